"""Read a Terraform plan (`terraform show -json plan.out`) into roles of the input.

Planned values give each resource's attributes, resource_changes tell which of
them are known only after apply, and the configuration tells what an unknown
value refers to. Roles come from aws_iam_role; their policies from its
inline_policy blocks, aws_iam_role_policy, managed_policy_arns and the
aws_iam_role_policy_attachment and aws_iam_policy_attachment resources (an
aws_iam_policy of the plan gives its document), and its permissions boundary.
Every role and policy is located: the plan file, the resource address, and the
line where the resource's object starts in planned_values.

A value the plan does not know is never guessed: the policy that holds it is
passed as unresolved, or the value as a `${... (known after apply)}`
placeholder, and the role lists it in `unresolved` so the bundle fails closed.
"""

from __future__ import annotations

import bisect
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from dspm_iam.documents import (
    describe,
    object_list,
    parse_json,
    policy_document,
    required_text,
)
from dspm_iam.errors import InputError

logger = logging.getLogger(__name__)

AFTER_APPLY = "known only after apply"
NOT_IN_PLAN = "not defined in the plan"
REDACTED = "redacted from the plan as sensitive"
_POLICY_TYPES = ("aws_iam_policy", "data.aws_iam_policy")
_ATTACHERS = (
    ("aws_iam_role_policy", "role"),
    ("aws_iam_role_policy_attachment", "role"),
    ("aws_iam_policy_attachment", "roles"),
)
_ACCOUNT = re.compile(r"^[0-9]{12}$")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')
_MODULE_STEP = re.compile(
    r'module\.(?P<call>[A-Za-z_][\w-]*)(?P<key>\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\])?'
)
_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]"]*)\]')
_RESOURCE_REF = re.compile(
    r"^(?P<head>(?:data\.)?[A-Za-z][\w-]*\.[A-Za-z_][\w-]*)"
    r"(?P<key>\[[^\]]*\])?(?:\.(?P<attribute>.+))?$"
)
_MODULE_REF = re.compile(
    r"^module\.(?P<call>[A-Za-z_][\w-]*)(?P<key>\[[^\]]*\])?"
    r"\.(?P<output>[A-Za-z_][\w-]*)"
)
# Limitation: locals are not in the plan's configuration, so a value that
# reaches a role or policy through local.* is not traced to what it is made
# of: its unresolved entry then names no cause. Nothing is attached by it.
_NOT_RESOURCES = ("local", "each", "count", "path", "terraform", "self")
_MAX_DEPTH = 8

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True, eq=False)
class _Resource:
    """One resource instance of the plan and what the plan knows of its values."""

    address: str
    module: str
    module_keys: dict[str, str | int | None]
    config: str
    scope: str
    mode: str
    type: str
    name: str
    index: Any
    values: dict[str, Any]
    unknown: dict[str, Any]
    sensitive: dict[str, Any]
    line: int | None

    @property
    def kind(self) -> str:
        """The type as configuration references name it (data sources prefixed)."""
        return f"data.{self.type}" if self.mode == "data" else self.type

    def location(self, source: str) -> dict[str, Any]:
        """Where the resource is written: the plan file, its line and address."""
        return {"file": source, "line": self.line, "logical": self.address}


@dataclass(frozen=True)
class _Value:
    """One attribute: its value when known, else why not (unknown or redacted)."""

    value: Any = None
    unresolved: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class _Target:
    """A resource attribute that a configuration expression refers to."""

    config: str
    key: str | int | None
    attribute: str
    within: tuple[tuple[str, str | int], ...] = ()

    @property
    def label(self) -> str:
        """The reference as written, e.g. aws_s3_bucket.evidence.arn."""
        key = "" if self.key is None else f"[{json.dumps(self.key)}]"
        attribute = f".{self.attribute}" if self.attribute else ""
        return f"{self.config}{key}{attribute}"

    def names(self, resource: _Resource) -> bool:
        """Whether a resource instance is one this reference names."""
        if resource.config != self.config:
            return False
        if self.key is not None and resource.index != self.key:
            return False
        keys = resource.module_keys
        return all(keys.get(module) == key for module, key in self.within)


@dataclass(frozen=True)
class _Link:
    """What a policy ARN leads to: a policy of the plan, an outside ARN, or nothing."""

    arn: str
    policy: _Resource | None = None
    reason: str | None = None
    what: str = ""


@dataclass(frozen=True)
class _Owners:
    """The roles an attaching resource attaches to, or may attach to."""

    matched: list[_Resource]
    ambiguous: list[_Resource]
    names: list[str]


@dataclass
class _Plan:
    """The plan's resources, indexed, with the configuration's references."""

    source: str
    resources: list[_Resource] = field(default_factory=list)
    state_data: list[_Resource] = field(default_factory=list)
    expressions: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    deferred: set[str] = field(default_factory=set)
    deleted: set[tuple[str, str, str]] = field(default_factory=set)
    by_kind: dict[str, list[_Resource]] = field(default_factory=dict)
    by_config: dict[str, list[_Resource]] = field(default_factory=dict)

    def index(self) -> None:
        """Group the planned resources by kind, and with the state's data by address."""
        for resource in self.resources:
            self.by_kind.setdefault(resource.kind, []).append(resource)
        for resource in self.resources + self.state_data:
            self.by_config.setdefault(resource.config, []).append(resource)

    def of_kind(self, kind: str) -> list[_Resource]:
        """Planned resource instances of one kind (data sources as data.TYPE)."""
        return self.by_kind.get(kind, [])

    def instances(self, target: _Target) -> list[_Resource]:
        """The instances a reference names (every instance when it gives no key)."""
        return [r for r in self.by_config.get(target.config, []) if target.names(r)]

    def expression(self, resource: _Resource, key: str) -> Any:
        """The configuration expression of one argument, or None."""
        return self.expressions.get(resource.config, {}).get(key)

    def configured(self, resource: _Resource, key: str) -> bool:
        """Whether the configuration sets the argument (true when it is not known)."""
        if resource.config not in self.expressions:
            return True
        return key in self.expressions[resource.config]


@dataclass
class _Role:
    """A role being assembled: its policies and the values left unresolved."""

    resource: _Resource
    source: str
    name: str = ""
    policies: list[dict[str, Any]] = field(default_factory=list)
    unresolved: list[dict[str, Any]] = field(default_factory=list)

    @property
    def location(self) -> dict[str, Any]:
        """Where the role is written."""
        return self.resource.location(self.source)

    def unknown(
        self, what: str, reason: str, policy: str | None, location: dict[str, Any]
    ) -> None:
        """Record a value the plan does not give, for the unresolved check."""
        entry = {"what": what, "reason": reason, "policy": policy}
        self.unresolved.append({**entry, "location": location})


def is_plan(document: Any) -> bool:
    """Whether a parsed JSON value is a plan as `terraform show -json` writes it."""
    return (
        isinstance(document, dict)
        and "format_version" in document
        and ("planned_values" in document or "resource_changes" in document)
    )


def read_plan(name: str, text: str, role_type: str | None) -> list[dict[str, Any]]:
    """The roles a Terraform plan deploys, each role and policy located in the plan.

    `name` is the path as given (the roles' source and their locations' file),
    `text` the plan's JSON. Raises InputError, one line naming `name`, when the
    text is not JSON, not a plan, or a part the roles need is malformed.
    """
    document = parse_json(name, text)
    if not is_plan(document):
        raise InputError(
            f"{name}: expected a Terraform plan (terraform show -json) with "
            "format_version and planned_values or resource_changes; found "
            f"{describe(document)}"
        )

    plan = _index(name, document, _object_lines(text))
    roles = [_Role(resource, name) for resource in plan.of_kind("aws_iam_role")]
    for role in roles:
        role.name = _role_name(plan, role)

    owners = {
        attacher.address: _owners(plan, attacher, key, roles)
        for kind, key in _ATTACHERS
        for attacher in plan.of_kind(kind)
    }
    _report_strays(plan, owners)
    built = [_role_document(plan, role, owners, role_type) for role in roles]
    logger.info("%s: a Terraform plan deploying %d roles", name, len(built))
    return built


def _object_lines(text: str) -> dict[JsonPath, int]:
    """The 1-based line where each object of the (valid) JSON text starts, by path."""
    if "\n" not in text.strip():
        return {}

    newlines = [match.start() for match in re.finditer("\n", text)]
    lines: dict[JsonPath, int] = {}
    stack: list[_Frame] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        frame = stack[-1] if stack else None
        if token in ("}", "]"):
            stack.pop()
        elif token == ",":
            if frame is not None:
                frame.advance()
        elif token != ":":
            if frame is not None and frame.wants_key:
                frame.key = json.loads(token)
                frame.wants_key = False
                continue

            path = frame.child() if frame is not None else ()
            if token == "{":
                lines[path] = bisect.bisect_right(newlines, match.start()) + 1
            if token in ("{", "["):
                stack.append(_Frame(path, is_object=token == "{"))
    return lines


@dataclass
class _Frame:
    """An object or array being read by _object_lines."""

    path: JsonPath
    is_object: bool
    key: str = ""
    position: int = 0
    wants_key: bool = field(init=False)

    def __post_init__(self) -> None:
        self.wants_key = self.is_object

    def advance(self) -> None:
        """Move past a comma: to the next key, or the next element."""
        if self.is_object:
            self.wants_key = True
        else:
            self.position += 1

    def child(self) -> JsonPath:
        """The path of the value being read in this container."""
        return (*self.path, self.key if self.is_object else self.position)


def _index(name: str, document: dict[str, Any], lines: dict[JsonPath, int]) -> _Plan:
    plan = _Plan(source=name)
    changes = _changes(name, document)
    plan.resources = _planned(name, document, changes, lines)

    prior = document.get("prior_state")
    if isinstance(prior, dict) and "values" in prior:
        where: JsonPath = ("prior_state", "values")
        for path, raw in _module_resources(name, _object(name, prior, where), where):
            resource = _resource(name, path, raw, {}, lines)
            if resource.mode == "data":
                plan.state_data.append(resource)

    plan.index()
    for entry in changes.values():
        _note_change(plan, entry)
    configuration = document.get("configuration")
    if isinstance(configuration, dict):
        _walk_config(plan, configuration.get("root_module"), "")
    return plan


def _changes(name: str, document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for position, entry in enumerate(object_list(document, "resource_changes", name)):
        where = f"resource_changes[{position}]"
        address = required_text(entry, "address", f"{name}: {where}")
        change = entry.get("change")
        if not isinstance(change, dict):
            raise InputError(
                f"{name}: {where} ({address}): expected change to be an object, "
                f"found {describe(change)}"
            )
        found[address] = entry
    return found


def _note_change(plan: _Plan, entry: dict[str, Any]) -> None:
    change = entry["change"]
    actions = change.get("actions")
    address = _config_path(entry["address"])
    if entry.get("mode") == "data" and isinstance(actions, list) and "read" in actions:
        plan.deferred.add(address)

    before = change.get("before")
    if actions != ["delete"] or not isinstance(before, dict):
        return
    key = "name" if entry.get("type") == "aws_iam_role_policy" else "policy_arn"
    if isinstance(before.get(key), str):
        for role in _as_strings(before.get("role")) + _as_strings(before.get("roles")):
            plan.deleted.add((role, key, before[key]))


def _planned(
    name: str,
    document: dict[str, Any],
    changes: dict[str, dict[str, Any]],
    lines: dict[JsonPath, int],
) -> list[_Resource]:
    if "planned_values" not in document:
        return _from_changes(name, changes, lines)

    where: JsonPath = ("planned_values",)
    found = []
    planned = _object(name, document, where)
    for path, raw in _module_resources(name, planned, where):
        change = changes.get(str(raw.get("address")), {}).get("change", {})
        unknown = change.get("after_unknown")
        found.append(_resource(name, path, raw, _dict(unknown), lines))
    return found


def _from_changes(
    name: str, changes: dict[str, dict[str, Any]], lines: dict[JsonPath, int]
) -> list[_Resource]:
    found = []
    for position, (address, entry) in enumerate(changes.items()):
        change = entry["change"]
        if change.get("actions") == ["delete"] or not isinstance(
            change.get("after"), dict
        ):
            continue
        raw = {**entry, "values": change["after"]}
        path: JsonPath = ("resource_changes", position)
        resource = _resource(name, path, raw, _dict(change.get("after_unknown")), lines)
        logger.debug("%s: %s read from resource_changes", name, address)
        found.append(resource)
    return found


def _module_resources(
    name: str, parent: dict[str, Any], where: JsonPath
) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    """Each resource object of a module tree (root_module below `parent`)."""
    module_path = (*where, "root_module")
    module = _object(name, parent, module_path)
    yield from _resources_below(name, module, module_path)


def _resources_below(
    name: str, module: dict[str, Any], path: JsonPath
) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    for position, raw in enumerate(
        object_list(module, "resources", f"{name}: {_dotted(path)}")
    ):
        yield (*path, "resources", position), raw
    for position, child in enumerate(
        object_list(module, "child_modules", f"{name}: {_dotted(path)}")
    ):
        yield from _resources_below(name, child, (*path, "child_modules", position))


def _resource(
    name: str,
    path: JsonPath,
    raw: dict[str, Any],
    unknown: dict[str, Any],
    lines: dict[JsonPath, int],
) -> _Resource:
    where = _dotted(path)
    address = required_text(raw, "address", f"{name}: {where}")
    kind, type_, local = _local_name(name, raw, where, address)
    config = _config_path(address)
    if not config.endswith(local):
        raise InputError(
            f"{name}: {where}: expected the address {address} to end with {local}"
        )

    module = address[: address.rfind(local)].rstrip(".") if local in address else ""
    values = raw.get("values", {})
    if not isinstance(values, dict):
        raise InputError(
            f"{name}: {where} ({address}): expected values to be an object, "
            f"found {describe(values)}"
        )
    return _Resource(
        address=address,
        module=module,
        module_keys=_module_keys(module),
        config=config,
        scope=config[: -len(local)].rstrip("."),
        mode=kind,
        type=type_,
        name=raw["name"],
        index=raw.get("index"),
        values=values,
        unknown=unknown,
        sensitive=_dict(raw.get("sensitive_values")),
        line=lines.get(path, 1 if not lines else None),
    )


def _local_name(
    name: str, raw: dict[str, Any], where: str, address: str
) -> tuple[str, str, str]:
    type_ = required_text(raw, "type", f"{name}: {where} ({address})")
    local = required_text(raw, "name", f"{name}: {where} ({address})")
    mode = raw.get("mode", "managed")
    if mode not in ("managed", "data"):
        raise InputError(
            f"{name}: {where} ({address}): expected mode managed or data, "
            f"found {describe(mode)}"
        )
    prefix = "data." if mode == "data" else ""
    return mode, type_, f"{prefix}{type_}.{local}"


def _walk_config(plan: _Plan, module: Any, scope: str) -> None:
    """Index the configuration's expressions, module calls and outputs by scope."""
    if not isinstance(module, dict):
        return

    for resource in _list(module.get("resources")):
        if isinstance(resource, dict) and isinstance(resource.get("address"), str):
            address = _join(scope, resource["address"])
            plan.expressions[address] = _dict(resource.get("expressions"))
    plan.outputs[scope] = _dict(module.get("outputs"))

    for call_name, call in _dict(module.get("module_calls")).items():
        child = _join(scope, f"module.{call_name}")
        plan.calls[child] = _dict(_dict(call).get("expressions"))
        _walk_config(plan, _dict(call).get("module"), child)


def _value(plan: _Plan, resource: _Resource, key: str) -> _Value:
    """One attribute of a resource: known, known only after apply, or redacted."""
    if resource.unknown.get(key) is True:
        return _Value(unresolved=AFTER_APPLY, reason=_why(plan, resource, key))
    if key not in resource.values and resource.sensitive.get(key) is True:
        return _Value(unresolved=REDACTED, reason=REDACTED)
    return _Value(value=resource.values.get(key))


def _why(plan: _Plan, resource: _Resource, key: str) -> str:
    """Why an attribute is unknown, naming the unknown values it depends on."""
    targets = _targets(
        plan, resource.scope, _references(plan.expression(resource, key))
    )
    causes = _causes(plan, targets, 0)
    if not causes:
        return AFTER_APPLY
    return f"{AFTER_APPLY}: it depends on {', '.join(causes)}"


def _causes(plan: _Plan, targets: list[_Target], depth: int) -> list[str]:
    causes: list[str] = []
    for target in targets:
        cause = _cause(plan, target, depth)
        if cause is not None and cause not in causes:
            causes.append(cause)
    return causes


def _cause(plan: _Plan, target: _Target, depth: int) -> str | None:
    """How a referenced value is unknown, or None when the plan knows it."""
    if target.config in plan.deferred:
        return _deferred_cause(plan, target, depth)

    attribute = re.split(r"[.\[]", target.attribute)[0]
    for instance in plan.instances(target):
        if not attribute or instance.unknown.get(attribute) is True:
            return target.label
    return None


def _deferred_cause(plan: _Plan, target: _Target, depth: int) -> str:
    """A data source read only at apply, with the unknown values it waits for.

    Limitation: the policy such a data source renders is passed as unresolved,
    though its planned arguments (statement blocks) are mostly known, so none
    of its statements is checked until the plan is made with the value known
    (for example after applying the resource it waits for). Rendering the
    known statements with a placeholder for the unknown value would lift this.
    """
    reading = f"{target.config}, read only at apply"
    instances = plan.instances(target)
    if depth >= _MAX_DEPTH or not instances:
        return reading

    expressions = plan.expressions.get(target.config)
    targets = _targets(plan, instances[0].scope, _references(expressions))
    inner = _causes(plan, targets, depth + 1)
    return f"{reading} as it depends on {', '.join(inner)}" if inner else reading


def _references(expression: Any) -> list[str]:
    """Every reference inside an expression, without those another one extends."""
    found: list[str] = []
    _collect_references(expression, found)
    return [
        ref
        for ref in found
        if not any(other.startswith((f"{ref}.", f"{ref}[")) for other in found)
    ]


def _collect_references(expression: Any, found: list[str]) -> None:
    if isinstance(expression, list):
        for item in expression:
            _collect_references(item, found)
        return
    if not isinstance(expression, dict):
        return

    for ref in _list(expression.get("references")):
        if isinstance(ref, str) and ref not in found:
            found.append(ref)
    for key, item in expression.items():
        if key != "references":
            _collect_references(item, found)


def _targets(
    plan: _Plan, scope: str, references: list[str], depth: int = 0
) -> list[_Target]:
    """The resource attributes references lead to, through variables and outputs."""
    found: list[_Target] = []
    for ref in references:
        for target in _resolve(plan, scope, ref, depth):
            if target not in found:
                found.append(target)
    return found


def _resolve(plan: _Plan, scope: str, ref: str, depth: int) -> list[_Target]:
    head = ref.split(".", 1)[0]
    if depth > _MAX_DEPTH or head in _NOT_RESOURCES:
        return []
    if head == "var":
        return _through_variable(plan, scope, ref, depth)
    if head == "module":
        return _through_output(plan, scope, ref, depth)

    match = _RESOURCE_REF.match(ref)
    if match is None:
        return []
    key = _instance_key(match["key"])
    return [_Target(_join(scope, match["head"]), key, match["attribute"] or "")]


def _through_variable(plan: _Plan, scope: str, ref: str, depth: int) -> list[_Target]:
    """What a module's input variable is set from, in the calling module.

    A root module variable is known at plan time, so it leads to no resource.
    """
    if not scope or "." not in ref:
        return []
    parent = scope.rsplit(".module.", 1)[0] if ".module." in scope else ""
    argument = plan.calls.get(scope, {}).get(ref.split(".")[1])
    return _targets(plan, parent, _references(argument), depth + 1)


def _through_output(plan: _Plan, scope: str, ref: str, depth: int) -> list[_Target]:
    """What a child module's output value is made of, in that module."""
    match = _MODULE_REF.match(ref)
    if match is None:
        return []
    child = _join(scope, f"module.{match['call']}")
    output = _dict(plan.outputs.get(child, {}).get(match["output"]))
    targets = _targets(plan, child, _references(output.get("expression")), depth + 1)

    key = _instance_key(match["key"])
    if key is None:
        return targets
    return [replace(t, within=(*t.within, (child, key))) for t in targets]


def _instance_key(text: str | None) -> str | int | None:
    if not text:
        return None
    try:
        key = json.loads(text[1:-1])
    except json.JSONDecodeError:
        return None
    return key if isinstance(key, str | int) and not isinstance(key, bool) else None


def _role_name(plan: _Plan, role: _Role) -> str:
    # Limitation: a role named by name_prefix (or by a value known only after
    # apply) is passed under its resource name, which the role-name globs of
    # params.roles rarely match, so the role goes unclassified unless
    # --role-type names its type. Matching the globs against name_prefix would
    # lift this, at the cost of guessing the name AWS generates.
    resource = role.resource
    value = _value(plan, resource, "name")
    if isinstance(value.value, str) and value.value:
        return value.value

    reason = value.reason or "the plan gives no name"
    prefix = resource.values.get("name_prefix")
    if value.unresolved == AFTER_APPLY and isinstance(prefix, str) and prefix:
        reason = f'{AFTER_APPLY}: AWS generates it from name_prefix "{prefix}"'
    role.unknown(f"{resource.address}.name", reason, None, role.location)
    return resource.name


def _owners(plan: _Plan, attacher: _Resource, key: str, roles: list[_Role]) -> _Owners:
    """The roles a policy or attachment resource attaches to."""
    value = _value(plan, attacher, key)
    targets = _targets(
        plan, attacher.scope, _references(plan.expression(attacher, key))
    )
    referred = [
        r for t in targets for r in plan.instances(t) if r.type == "aws_iam_role"
    ]
    if value.unresolved is None:
        names = _as_strings(value.value)
        by_name = [role.resource for role in roles if role.name in names]
        candidates = [r for r in by_name if r in referred] or by_name
        return _narrow(attacher, candidates, several=key == "roles", names=names)

    return _narrow(attacher, referred, several=key == "roles", names=[])


def _narrow(
    attacher: _Resource, candidates: list[_Resource], several: bool, names: list[str]
) -> _Owners:
    if several or len(candidates) <= 1:
        return _Owners(candidates, [], names)

    for narrower in (
        [r for r in candidates if r.module == attacher.module],
        [r for r in candidates if r.index is not None and r.index == attacher.index],
    ):
        if len(narrower) == 1:
            return _Owners(narrower, [], names)
    return _Owners([], candidates, names)


def _report_strays(plan: _Plan, owners: dict[str, _Owners]) -> None:
    for address, found in owners.items():
        if found.matched or found.ambiguous:
            continue
        if found.names:
            logger.info(
                "%s: %s attaches to %s, which the plan does not define; not checked",
                plan.source,
                address,
                ", ".join(found.names),
            )
        else:
            logger.warning(
                "%s: %s attaches to a role known only after apply that the plan "
                "does not define; its policy is not checked",
                plan.source,
                address,
            )


def _role_document(
    plan: _Plan, role: _Role, owners: dict[str, _Owners], role_type: str | None
) -> dict[str, Any]:
    resource = role.resource
    arn = resource.values.get("arn")
    arn = arn if isinstance(arn, str) and arn else None
    trust = _trust(plan, role)
    boundary = _boundary(plan, role)

    _inline_blocks(plan, role)
    _role_policies(plan, role, owners)
    _managed(plan, role, owners)
    return {
        "name": role.name,
        "arn": arn,
        "account": _account(arn),
        "source": plan.source,
        "role_type": role_type,
        "trust_policy": trust,
        "permissions_boundary": boundary,
        "policies": role.policies,
        "location": role.location,
        "unresolved": role.unresolved,
    }


def _account(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    if len(parts) > 4 and _ACCOUNT.match(parts[4]):
        return parts[4]
    return None


def _trust(plan: _Plan, role: _Role) -> dict[str, Any] | None:
    resource = role.resource
    value = _value(plan, resource, "assume_role_policy")
    if value.unresolved is not None:
        what = f"{resource.address}.assume_role_policy"
        role.unknown(what, value.reason, None, role.location)
        return None
    if value.value in (None, ""):
        return None
    where = f"{resource.address} assume_role_policy"
    return policy_document(value.value, plan.source, where)


def _boundary(plan: _Plan, role: _Role) -> dict[str, Any] | None:
    resource = role.resource
    value = _value(plan, resource, "permissions_boundary")
    if value.unresolved is None and not value.value:
        return None

    links = _arn_links(plan, resource, "permissions_boundary", value)
    link = links[0]
    if link.policy is not None:
        label = _text_or(link.policy.values.get("name"), link.policy.name)
        body = _policy_body(plan, role, link.policy, label)
        kept: dict[str, Any] = {
            key: body[key] for key in ("document", "unresolved") if key in body
        }
        return {"arn": link.arn, **kept}
    if link.reason is None:
        return {"arn": link.arn, "unresolved": NOT_IN_PLAN}

    role.unknown(link.what, link.reason, None, role.location)
    return {"arn": link.arn, "unresolved": value.unresolved or AFTER_APPLY}


def _inline_blocks(plan: _Plan, role: _Role) -> None:
    """The role's inline_policy blocks, as the plan gives them."""
    resource = role.resource
    value = _value(plan, resource, "inline_policy")
    if value.unresolved is not None:
        if plan.configured(resource, "inline_policy"):
            what = f"{resource.address}.inline_policy"
            role.unknown(what, value.reason, None, role.location)
        return

    blocks = value.value or []
    where = f"{resource.address} inline_policy"
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise InputError(
            f"{plan.source}: {where}: expected a list of objects, "
            f"found {describe(blocks)}"
        )
    unknown = _list(resource.unknown.get("inline_policy"))
    for position, block in enumerate(blocks):
        marks = _dict(unknown[position]) if position < len(unknown) else {}
        _inline_block(plan, role, block, marks, position)


def _inline_block(
    plan: _Plan,
    role: _Role,
    block: dict[str, Any],
    marks: dict[str, Any],
    position: int,
) -> None:
    resource = role.resource
    name = block.get("name")
    name = name if isinstance(name, str) and name else f"{resource.name}-{position}"
    if marks.get("policy") is True:
        what = f"{resource.address}.inline_policy[{position}].policy"
        reason = _why(plan, resource, "inline_policy")
        role.unknown(what, reason, name, role.location)
        role.policies.append(_unresolved_entry(name, None, "inline", role.location))
        return
    if block.get("policy") in (None, ""):
        return
    if (role.name, "name", name) in plan.deleted:
        logger.debug("%s: inline policy %s is being deleted", plan.source, name)
        return

    where = f"{resource.address} inline_policy {name}"
    document = policy_document(block["policy"], plan.source, where)
    role.policies.append(_inline_entry(name, document, role.location))


def _role_policies(plan: _Plan, role: _Role, owners: dict[str, _Owners]) -> None:
    """The role's aws_iam_role_policy resources; each replaces a same-named block."""
    for policy in plan.of_kind("aws_iam_role_policy"):
        if not _attached(plan, role, policy, owners[policy.address]):
            continue

        label = _text_or(policy.values.get("name"), policy.name)
        role.policies[:] = [p for p in role.policies if not _same_block(role, p, label)]
        body = _policy_body(plan, role, policy, label)
        role.policies.append({"name": label, "arn": None, "kind": "inline", **body})


def _same_block(role: _Role, policy: dict[str, Any], label: str) -> bool:
    """Whether a policy is an inline_policy block of the role named `label`."""
    written_in_role = policy["location"]["logical"] == role.resource.address
    return bool(written_in_role and policy["name"] == label)


def _attached(plan: _Plan, role: _Role, attacher: _Resource, owners: _Owners) -> bool:
    """Whether an attaching resource attaches to the role; note it when unsure."""
    if role.resource in owners.matched:
        return True
    if role.resource in owners.ambiguous:
        others = ", ".join(r.address for r in owners.ambiguous)
        reason = f"{AFTER_APPLY}: it names one of {others}"
        key = "roles" if attacher.type == "aws_iam_policy_attachment" else "role"
        location = attacher.location(plan.source)
        role.unknown(f"{attacher.address}.{key}", reason, None, location)
    return False


def _managed(plan: _Plan, role: _Role, owners: dict[str, _Owners]) -> None:
    """Managed policies from attachment resources and managed_policy_arns."""
    links: list[tuple[_Link, _Resource]] = []
    for kind, _ in _ATTACHERS[1:]:
        for attacher in plan.of_kind(kind):
            if _attached(plan, role, attacher, owners[attacher.address]):
                value = _value(plan, attacher, "policy_arn")
                found = _arn_links(plan, attacher, "policy_arn", value)
                links += [(link, attacher) for link in found]

    resource = role.resource
    value = _value(plan, resource, "managed_policy_arns")
    if value.unresolved is None or plan.configured(resource, "managed_policy_arns"):
        found = _arn_links(plan, resource, "managed_policy_arns", value)
        links += [
            (link, resource)
            for link in found
            if (role.name, "policy_arn", link.arn) not in plan.deleted
        ]

    seen: set[str] = set()
    for link, holder in links:
        key = link.policy.address if link.policy is not None else link.arn
        if key not in seen:
            seen.add(key)
            role.policies.append(_managed_entry(plan, role, link, holder))


def _arn_links(
    plan: _Plan, resource: _Resource, key: str, value: _Value
) -> list[_Link]:
    """What an ARN attribute (one ARN, or a list for managed_policy_arns) leads to."""
    links = [_Link(arn, _policy_by_arn(plan, arn)) for arn in _as_strings(value.value)]
    marks = _list(resource.unknown.get(key))
    if value.unresolved is None and True not in marks:
        return links

    what = f"{resource.address}.{key}"
    policies = _referred_policies(plan, resource, key)
    if key == "managed_policy_arns":
        # A list known only after apply may also hold elements no reference
        # shows (a literal ARN, a variable's): those stay unknown, so the list
        # is reported as well as the policies it refers to.
        links += [_Link(_arn_of(plan, policy), policy) for policy in policies]
        reason = value.reason or AFTER_APPLY
        if policies:
            shown = ", ".join(policy.address for policy in policies)
            reason = f"{AFTER_APPLY}: besides {shown}, what it lists is not known"
        return [*links, _Link(_placeholder(what), None, reason, what)]

    chosen = [p for p in policies if len(policies) == 1 or p.index == resource.index]
    if len(chosen) == 1:
        return [*links, _Link(_arn_of(plan, chosen[0]), chosen[0])]
    return [*links, _Link(_placeholder(what), None, value.reason or AFTER_APPLY, what)]


def _referred_policies(plan: _Plan, resource: _Resource, key: str) -> list[_Resource]:
    """The policy resources (or data sources) an argument refers to."""
    targets = _targets(
        plan, resource.scope, _references(plan.expression(resource, key))
    )
    policies: list[_Resource] = []
    for target in targets:
        for instance in plan.instances(target):
            if instance.kind in _POLICY_TYPES and instance not in policies:
                policies.append(instance)
    return policies


def _policy_by_arn(plan: _Plan, arn: str) -> _Resource | None:
    for resource in plan.resources + plan.state_data:
        if resource.kind in _POLICY_TYPES and resource.values.get("arn") == arn:
            return resource
    return None


def _arn_of(plan: _Plan, policy: _Resource) -> str:
    value = _value(plan, policy, "arn")
    if isinstance(value.value, str) and value.value:
        return value.value
    return _placeholder(f"{policy.address}.arn")


def _managed_entry(
    plan: _Plan, role: _Role, link: _Link, holder: _Resource
) -> dict[str, Any]:
    location = holder.location(plan.source)
    if link.policy is not None:
        label = _text_or(link.policy.values.get("name"), link.policy.name)
        arn = link.policy.values.get("arn")
        arn = arn if isinstance(arn, str) and arn else None
        body = _policy_body(plan, role, link.policy, label)
        return {"name": label, "arn": arn, "kind": "managed", **body}

    name = link.arn.rsplit("/", 1)[-1] if link.reason is None else link.what
    entry = {"name": name, "arn": link.arn, "kind": "managed"}
    if link.reason is None:
        return {**entry, "unresolved": NOT_IN_PLAN, "location": location}

    role.unknown(link.what, link.reason, name, location)
    return {**entry, "unresolved": AFTER_APPLY, "location": location}


def _policy_body(
    plan: _Plan, role: _Role, policy: _Resource, label: str
) -> dict[str, Any]:
    """The document of a policy resource and its location, or why it is unknown."""
    location = policy.location(plan.source)
    value = _value(plan, policy, "policy")
    if value.unresolved is not None:
        what = f"{policy.address}.policy"
        role.unknown(what, value.reason, label, location)
        return {"unresolved": value.unresolved, "location": location}

    where = f"{policy.address} policy"
    document = policy_document(value.value, plan.source, where)
    count = _statement_count(document)
    return {
        "document": document,
        "location": location,
        "statement_locations": [location] * count,
    }


def _inline_entry(
    name: str, document: dict[str, Any], location: dict[str, Any]
) -> dict[str, Any]:
    return {
        "name": name,
        "arn": None,
        "kind": "inline",
        "document": document,
        "location": location,
        "statement_locations": [location] * _statement_count(document),
    }


def _unresolved_entry(
    name: str, arn: str | None, kind: str, location: dict[str, Any]
) -> dict[str, Any]:
    """A policy whose document is known only after apply."""
    return {
        "name": name,
        "arn": arn,
        "kind": kind,
        "unresolved": AFTER_APPLY,
        "location": location,
    }


def _statement_count(document: dict[str, Any]) -> int:
    statements = document["Statement"]
    return 1 if isinstance(statements, dict) else len(statements)


def _placeholder(what: str) -> str:
    return f"${{{what} (known after apply)}}"


def _config_path(address: str) -> str:
    """An address without instance keys, as the configuration writes it.

    module.a["x"].aws_iam_role.r[0] becomes module.a.aws_iam_role.r.
    """
    return _INSTANCE_KEY.sub("", address)


def _module_keys(module: str) -> dict[str, str | int | None]:
    """The instance key of each module call in a module instance's address.

    module.a["x"].module.b gives {"module.a": "x", "module.a.module.b": None}.
    """
    keys: dict[str, str | int | None] = {}
    path = ""
    for step in _MODULE_STEP.finditer(module):
        path = _join(path, f"module.{step['call']}")
        keys[path] = _instance_key(step["key"])
    return keys


def _join(scope: str, address: str) -> str:
    return f"{scope}.{address}" if scope else address


def _as_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _text_or(value: Any, default: str) -> str:
    return value if isinstance(value, str) and value else default


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dotted(path: JsonPath) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text.lstrip(".")


def _object(name: str, parent: dict[str, Any], path: JsonPath) -> dict[str, Any]:
    value = parent.get(str(path[-1]))
    if not isinstance(value, dict):
        raise InputError(
            f"{name}: {_dotted(path)}: expected an object, found {describe(value)}"
        )
    return value
