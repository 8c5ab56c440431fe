"""Read CloudFormation templates into the roles of the input document.

Templates are parsed by cfn-lint's decoder, which keeps the line of every node.
The intrinsic functions whose values follow from the template and the
parameters given are resolved; a value only known at deploy time is written
as "${what}" in the document and listed, with its line, in the role's
`unresolved` entries, so that the bundle reports it instead of trusting it.
"""

from __future__ import annotations

import base64
import copy
import ipaddress
import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dspm_iam.documents import describe, policy_document, read_text
from dspm_iam.errors import InputError

logger = logging.getLogger(__name__)

NOT_IN_TEMPLATE = "not defined in the template"
PSEUDO_DEFAULTS = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
PSEUDO_PARAMETERS = (
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
)
NO_VALUE = "AWS::NoValue"
NESTED_STACKS = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")
_ACCOUNT = re.compile(r"^[0-9]{12}$")
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_CONDITION_FUNCTIONS = ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition")


class _Removed:
    """The value of Ref AWS::NoValue: the key or list element is removed."""


REMOVED = _Removed()


@dataclass(frozen=True)
class _Resource:
    """One entry of the template's Resources."""

    logical: str
    type: str
    properties: dict[str, Any]
    node: Any
    line: int | None


@dataclass
class _Policy:
    """A policy written in the template, with the roles it is attached to."""

    logical: str
    policy: dict[str, Any]
    entries: list[dict[str, Any]]
    targets: list[str] = field(default_factory=list)


def is_template(document: Any) -> bool:
    """Whether a parsed JSON or YAML object is a CloudFormation template."""
    if not isinstance(document, dict):
        return False

    resources = document.get("Resources")
    if not isinstance(resources, dict):
        return False
    if "AWSTemplateFormatVersion" in document:
        return True
    return any(_aws_type(resource) for resource in resources.values())


def _aws_type(resource: Any) -> bool:
    kind = resource.get("Type") if isinstance(resource, dict) else None
    return isinstance(kind, str) and kind.startswith("AWS::")


def read_template(
    name: str, text: str, parameters: Mapping[str, str], role_type: str | None
) -> list[dict[str, Any]]:
    """The IAM roles a template deploys, each located at its file and line.

    `name` is the path as given (the roles' source and locations' file),
    `text` the template in YAML (short-form tags included) or JSON, and
    `parameters` the template and pseudo parameter values to deploy it with.
    """
    root = _decode(name, text)
    if not is_template(root):
        raise InputError(
            f"{name}: expected a CloudFormation template (a mapping with "
            f"Resources of AWS:: types), found {_what(root)}"
        )

    template = _Template(name, root, parameters)
    roles = _RoleReader(template, role_type).roles()
    logger.info("%s: read %d roles from the template", name, len(roles))
    return roles


def load_parameters(path: Path) -> dict[str, str]:
    """Read the --cfn-parameters file: template and pseudo parameter values.

    Accepts the AWS CLI list of ParameterKey/ParameterValue objects, a
    CodePipeline template configuration ({"Parameters": {...}}) or a plain
    mapping of names to values, in JSON or YAML.
    """
    name = str(path)
    raw = _plain(_decode(name, read_text(path)))
    values = {
        key: _parameter_text(name, key, value) for key, value in _pairs(name, raw)
    }

    account = values.get("AWS::AccountId")
    if account is not None and not _ACCOUNT.match(account):
        raise InputError(
            f"{name}: parameter AWS::AccountId: expected 12 digits, "
            f"found {json.dumps(account)}"
        )
    logger.info("%s: read %d CloudFormation parameters", name, len(values))
    return values


def _pairs(name: str, raw: Any) -> list[tuple[str, Any]]:
    if isinstance(raw, dict) and "Parameters" in raw and _configuration(raw):
        raw = raw["Parameters"]
    if isinstance(raw, list):
        return [_cli_pair(name, number, entry) for number, entry in enumerate(raw)]
    if isinstance(raw, dict):
        return [(str(key), value) for key, value in raw.items()]
    raise InputError(
        f"{name}: expected CloudFormation parameters (a list of ParameterKey and "
        "ParameterValue objects, an object with Parameters, or a mapping of "
        f"names to values), found {_what(raw)}"
    )


def _configuration(raw: dict[str, Any]) -> bool:
    """Whether a mapping is a CodePipeline template configuration file."""
    known = {"Parameters", "Tags", "StackPolicy"}
    return set(raw) <= known and isinstance(raw["Parameters"], (dict, list))


def _cli_pair(name: str, number: int, entry: Any) -> tuple[str, Any]:
    if not isinstance(entry, dict) or not isinstance(entry.get("ParameterKey"), str):
        raise InputError(
            f"{name}: parameter {number}: expected an object with ParameterKey "
            f"and ParameterValue, found {_what(entry)}"
        )
    if "ParameterValue" not in entry:
        raise InputError(
            f"{name}: parameter {entry['ParameterKey']}: expected a "
            "ParameterValue, found none"
        )
    return entry["ParameterKey"], entry["ParameterValue"]


def _parameter_text(name: str, key: str, value: Any) -> str:
    if isinstance(value, list) and all(_scalar(item) for item in value):
        return ",".join(_text(item) for item in value)
    if _scalar(value):
        return _text(value)
    raise InputError(
        f"{name}: parameter {key}: expected a string, a number, a boolean or a "
        f"list of them, found {_what(value)}"
    )


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, date))


def _decode(name: str, text: str) -> Any:
    # cfn-lint is imported here: it takes most of a second, which commands
    # that read no template should not pay.
    from cfnlint.decode import decode_str  # type: ignore[import-untyped]  # noqa: PLC0415

    document, matches = decode_str(text)
    if matches:
        first = matches[0]
        raise InputError(
            f"{name}: expected YAML or JSON (line {first.linenumber} column "
            f"{first.columnnumber}: {first.message})"
        )
    return document


class _Template:
    """A decoded template with the values it is deployed with."""

    def __init__(self, name: str, root: dict[str, Any], given: Mapping[str, str]):
        self.name = name
        self.root = root
        self.given = dict(given)
        self.resources = _resources(name, root)
        self.parameters = _section(name, root, "Parameters")
        self.conditions = _section(name, root, "Conditions")
        self.mappings = _section(name, root, "Mappings")
        self.account = self.given.get("AWS::AccountId")

        for key in sorted(set(self.given) - set(self.parameters)):
            if key not in PSEUDO_PARAMETERS:
                logger.debug("%s: parameter %s is not used by the template", name, key)

    def location(self, line: int | None, logical: str | None = None) -> dict[str, Any]:
        """A location in this template, in the given resource or the one at line."""
        found = logical if logical is not None else self.logical_at(line)
        return {"file": self.name, "line": line, "logical": found}

    def logical_at(self, line: int | None) -> str | None:
        """The logical id of the resource whose text holds this line."""
        if line is None:
            return None
        for resource in self.resources.values():
            if resource.line is not None and resource.line <= line <= _last(resource):
                return resource.logical
        return None


def _last(resource: _Resource) -> int:
    """The last line of a resource's text (a YAML block ends where the next starts)."""
    end = getattr(resource.node, "end_mark", None)
    if end is None:
        return resource.line or 0
    return int(end.line) + (1 if end.column > 0 else 0)


def _section(name: str, root: dict[str, Any], key: str) -> dict[str, Any]:
    section = root.get(key, {})
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise InputError(
            f"{name}: line {_line(section, root)}: expected {key} to be a "
            f"mapping, found {_what(section)}"
        )
    return section


def _resources(name: str, root: dict[str, Any]) -> dict[str, _Resource]:
    resources = {}
    for logical, node in root["Resources"].items():
        line = _line(logical, node)
        if not isinstance(node, dict) or not isinstance(node.get("Type"), str):
            raise InputError(
                f"{name}: line {line}: expected resource {logical} to be a "
                f"mapping with a Type, found {_what(node)}"
            )

        properties = node.get("Properties")
        if properties is None:
            properties = {}
        if not isinstance(properties, dict):
            raise InputError(
                f"{name}: line {line}: expected the Properties of resource "
                f"{logical} to be a mapping, found {_what(properties)}"
            )
        resources[str(logical)] = _Resource(
            str(logical), str(node["Type"]), properties, node, line
        )
    return resources


def _line(*nodes: Any) -> int | None:
    """The 1-based line of the first node that carries a position."""
    for node in nodes:
        mark = getattr(node, "start_mark", None)
        if mark is not None:
            return int(mark.line) + 1
    return None


class _Resolver:
    """Evaluates intrinsic functions, recording what it cannot resolve."""

    def __init__(self, template: _Template):
        self.template = template
        self._stack: list[list[dict[str, Any]]] = []
        self._conditions: dict[str, tuple[bool | None, set[str]]] = {}
        self._evaluating: list[str] = []
        self._functions: dict[str, Callable[[Any, Any], Any]] = {
            "Ref": self._ref,
            "Fn::Sub": self._sub,
            "Fn::GetAtt": self._get_att,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
            "Fn::If": self._if,
            "Fn::ImportValue": self._import_value,
            "Fn::GetAZs": self._get_azs,
            "Fn::Base64": self._base64,
            "Fn::Cidr": self._cidr,
            "Fn::Length": self._length,
            "Fn::ToJsonString": self._to_json_string,
        }

    @contextmanager
    def capture(self) -> Iterator[list[dict[str, Any]]]:
        """Collect the unresolved entries recorded while the block runs."""
        entries: list[dict[str, Any]] = []
        self._stack.append(entries)
        try:
            yield entries
        finally:
            self._stack.pop()

    def record(
        self, what: str, reason: str, node: Any, logical: str | None = None
    ) -> str:
        """Note an unresolved value and return the placeholder standing for it."""
        entry = {
            "what": what,
            "reason": reason,
            "policy": None,
            "location": self.template.location(_line(node), logical),
        }
        self._stack[-1].append(entry)
        return f"${{{what}}}"

    def forward(self, entries: list[dict[str, Any]]) -> None:
        """Pass entries captured in an inner block on to the enclosing one."""
        self._stack[-1].extend(entries)

    def value(self, node: Any) -> Any:
        """The resolved value of a node, as plain JSON values; REMOVED for NoValue."""
        if isinstance(node, dict):
            function = _function(node)
            if function is not None:
                return self._call(function, node)
            resolved = {str(key): self.value(item) for key, item in node.items()}
            return {k: v for k, v in resolved.items() if v is not REMOVED}
        if isinstance(node, list):
            items = [self.value(item) for item in node]
            return [item for item in items if item is not REMOVED]
        return _plain(node)

    def elements(self, node: Any) -> list[tuple[Any, int | None]]:
        """The elements of a list node, each as written and with its line.

        An Fn::If is replaced by the branch it takes and a removed element is
        dropped; a list produced by a function is given as resolved values.
        """
        chosen = self.branch(node)
        if isinstance(chosen, list):
            found = []
            for element in chosen:
                picked = self.branch(element)
                if not _is_no_value(picked):
                    found.append((picked, _line(picked, element, chosen, node)))
            return found

        resolved = self.value(chosen)
        if resolved is REMOVED:
            return []
        values = resolved if isinstance(resolved, list) else [resolved]
        return [(value, _line(chosen, node)) for value in values]

    def branch(self, node: Any) -> Any:
        """The node an Fn::If stands for (followed through nested ones)."""
        while isinstance(node, dict) and _function(node) == "Fn::If":
            condition, when_true, when_false = self._if_arguments(node)
            node = when_true if self.truth(condition, node) else when_false
        return node

    def truth(self, name: str, node: Any) -> bool:
        """Whether a named condition holds; an unknown one is taken as true."""
        holds, unknown = self._condition(name, node)
        if holds is not None:
            return holds

        self.record(
            f"Condition {name}",
            f"it depends on {', '.join(sorted(unknown))}, which is not known; it "
            "is read as true, so what it guards is checked",
            node,
        )
        return True

    def _call(self, function: str, node: Any) -> Any:
        handler = self._functions.get(function)
        if handler is None:
            return self.record(
                function, f"{function} is not evaluated by dspm-iam", node
            )
        return handler(node[function], node)

    def fail(self, node: Any, expected: str, found: Any) -> InputError:
        """The error for a node that is not what CloudFormation expects there."""
        return self.fail_at(_line(node), expected, found)

    def fail_at(self, line: int | None, expected: str, found: Any) -> InputError:
        """The error for what is written at a line, naming the file and line."""
        return InputError(
            f"{self.template.name}: line {line}: expected {expected}, "
            f"found {_what(found)}"
        )

    def _traced(self, node: Any) -> tuple[Any, list[dict[str, Any]]]:
        """A resolved value and the entries recorded while resolving it."""
        with self.capture() as entries:
            resolved = self.value(node)
        return resolved, entries

    # Ref and the values of resources

    def _ref(self, target: Any, node: Any) -> Any:
        if not isinstance(target, str):
            raise self.fail(node, "Ref to name a parameter or resource", target)
        if target == NO_VALUE:
            return REMOVED
        return self.reference(target, node)

    def reference(self, target: str, node: Any) -> Any:
        """What Ref returns for a parameter, pseudo parameter or resource."""
        if target in self.template.resources:
            return self._resource_ref(self.template.resources[target], node)
        if target in self.template.parameters or target in PSEUDO_PARAMETERS:
            return self._parameter(target, node)
        return self.record(
            target,
            "not a parameter, pseudo parameter or resource of the template",
            node,
        )

    def _parameter(self, name: str, node: Any) -> Any:
        # Limitation: AllowedValues, AllowedPattern and the other constraints
        # of a parameter are not enforced; a value CloudFormation would refuse
        # is read as given.
        declaration = self.template.parameters.get(name, {})
        kind = (
            str(declaration.get("Type", "String"))
            if isinstance(declaration, dict)
            else "String"
        )
        if kind.startswith("AWS::SSM::Parameter::Value"):
            return self.record(
                name,
                f"parameter {name} is read from SSM Parameter Store at deploy time",
                node,
            )

        given = self.template.given.get(name)
        if given is None and isinstance(declaration, dict) and "Default" in declaration:
            given = _parameter_text(
                self.template.name, name, _plain(declaration["Default"])
            )
        if given is None:
            given = PSEUDO_DEFAULTS.get(name)
        if given is None:
            return self.record(name, _missing_reason(name), node)

        if (
            kind.startswith("List<")
            or kind == "CommaDelimitedList"
            or name == "AWS::NotificationARNs"
        ):
            return [item.strip() for item in given.split(",")]
        return given

    def _resource_ref(self, resource: _Resource, node: Any) -> Any:
        if resource.type == "AWS::IAM::Role":
            return self._named(resource, "RoleName", node)
        if resource.type == "AWS::IAM::ManagedPolicy":
            return self.managed_arn(resource, node)
        if resource.type == "AWS::S3::Bucket":
            return self._named(resource, "BucketName", node)
        return self.record(
            resource.logical,
            f"the physical id of resource {resource.logical} ({resource.type}) is "
            "only known at deploy time",
            node,
        )

    def _named(self, resource: _Resource, key: str, node: Any) -> Any:
        if key not in resource.properties:
            return self.record(
                resource.logical,
                f"CloudFormation names resource {resource.logical} at deploy time "
                f"(it has no {key})",
                node,
            )
        return self.guarded(
            resource.logical, lambda: self.value(resource.properties[key])
        )

    def guarded(self, logical: str, compute: Callable[[], Any]) -> Any:
        """Compute a resource's value, refusing a circular reference."""
        if logical in self._evaluating:
            raise InputError(
                f"{self.template.name}: resource {logical}: expected no circular "
                f"reference, found {' -> '.join([*self._evaluating, logical])}"
            )
        self._evaluating.append(logical)
        try:
            return compute()
        finally:
            self._evaluating.pop()

    def managed_arn(self, resource: _Resource, node: Any) -> Any:
        """The ARN of a managed policy the template defines, as Ref returns it."""
        if "ManagedPolicyName" not in resource.properties:
            return self.record(
                resource.logical,
                f"CloudFormation names managed policy {resource.logical} at deploy "
                "time (it has no ManagedPolicyName)",
                node,
            )
        name = self.guarded(
            resource.logical,
            lambda: self.value(resource.properties["ManagedPolicyName"]),
        )
        path = self._path(resource)
        head = f"{self._arn_head('iam', node)}:{self._account(node)}"
        return f"{head}:policy{path}{_text(name)}"

    def role_arn(self, resource: _Resource, node: Any) -> Any:
        """The ARN of a role the template defines, as Fn::GetAtt Arn returns it."""
        if "RoleName" not in resource.properties:
            return self.record(
                f"{resource.logical}.Arn",
                f"CloudFormation names role {resource.logical} at deploy time (it "
                "has no RoleName)",
                node,
            )
        name = self._named(resource, "RoleName", node)
        path = self._path(resource)
        head = f"{self._arn_head('iam', node)}:{self._account(node)}"
        return f"{head}:role{path}{_text(name)}"

    def _path(self, resource: _Resource) -> str:
        path = resource.properties.get("Path", "/")
        return _text(self.guarded(resource.logical, lambda: self.value(path)))

    def _arn_head(self, service: str, node: Any) -> str:
        return f"arn:{_text(self._parameter('AWS::Partition', node))}:{service}:"

    def _account(self, node: Any) -> str:
        return _text(self._parameter("AWS::AccountId", node))

    # Fn::GetAtt

    def _get_att(self, arguments: Any, node: Any) -> Any:
        logical, attribute = self._get_att_arguments(arguments, node)
        resource = self.template.resources.get(logical)
        if resource is None:
            raise self.fail(
                node, "Fn::GetAtt to name a resource of the template", logical
            )
        return self.attribute(resource, attribute, node)

    def _get_att_arguments(self, arguments: Any, node: Any) -> tuple[str, str]:
        if isinstance(arguments, str) and "." in arguments:
            arguments = arguments.split(".", 1)
        if not isinstance(arguments, list) or len(arguments) != 2:
            raise self.fail(node, "Fn::GetAtt as [resource, attribute]", arguments)

        logical = self.value(arguments[0])
        attribute = self.value(arguments[1])
        if not isinstance(logical, str) or not isinstance(attribute, str):
            raise self.fail(node, "Fn::GetAtt as [resource, attribute]", arguments)
        return logical, attribute

    def attribute(self, resource: _Resource, attribute: str, node: Any) -> Any:
        """What Fn::GetAtt returns for one attribute of a template resource."""
        known = (resource.type, attribute)
        if known == ("AWS::IAM::Role", "Arn"):
            return self.role_arn(resource, node)
        if known == ("AWS::IAM::ManagedPolicy", "PolicyArn"):
            return self.managed_arn(resource, node)
        if known == ("AWS::S3::Bucket", "Arn") and "BucketName" in resource.properties:
            name = self._named(resource, "BucketName", node)
            return f"{self._arn_head('s3', node)}::{_text(name)}"
        return self.record(
            f"{resource.logical}.{attribute}",
            f"attribute {attribute} of resource {resource.logical} ({resource.type}) "
            "is only known at deploy time",
            node,
        )

    # Fn::Sub

    def _sub(self, arguments: Any, node: Any) -> Any:
        # Limitation: what a Sub cannot resolve is located at the line where
        # the Sub starts, not at the line of the variable inside a multi-line
        # string (a whole policy written as JSON text in a Sub, say).
        text, variables = self._sub_arguments(arguments, node)
        return _VARIABLE.sub(
            lambda match: self._substitute(match[1], variables, node), text
        )

    def _sub_arguments(self, arguments: Any, node: Any) -> tuple[str, dict[str, Any]]:
        if isinstance(arguments, str):
            return arguments, {}
        valid = (
            isinstance(arguments, list)
            and len(arguments) == 2
            and isinstance(arguments[0], str)
            and isinstance(arguments[1], dict)
        )
        if not valid:
            raise self.fail(
                node, "Fn::Sub as a string or [string, variables]", arguments
            )
        return arguments[0], dict(arguments[1])

    def _substitute(self, name: str, variables: dict[str, Any], node: Any) -> str:
        if name.startswith("!"):
            return f"${{{name[1:]}}}"
        if name in variables:
            return _text(self.value(variables[name]))

        logical, _, attribute = name.partition(".")
        if attribute and logical in self.template.resources:
            resource = self.template.resources[logical]
            return _text(self.attribute(resource, attribute, node))
        found = self.reference(name, node)
        if isinstance(found, list):
            return ",".join(_text(item) for item in found)
        return _text(found)

    # Fn::Join, Fn::Select, Fn::Split

    def _join(self, arguments: Any, node: Any) -> Any:
        if not isinstance(arguments, list) or len(arguments) != 2:
            raise self.fail(node, "Fn::Join as [delimiter, list]", arguments)

        delimiter = self.value(arguments[0])
        items = self.value(arguments[1])
        if isinstance(items, str) and _VARIABLE.fullmatch(items):
            return items
        if not isinstance(delimiter, str) or not isinstance(items, list):
            raise self.fail(node, "Fn::Join as [delimiter, list]", arguments)
        return delimiter.join(_text(item) for item in items)

    def _select(self, arguments: Any, node: Any) -> Any:
        if not isinstance(arguments, list) or len(arguments) != 2:
            raise self.fail(node, "Fn::Select as [index, list]", arguments)

        index = self.value(arguments[0])
        items = self.value(arguments[1])
        if isinstance(items, str) and _VARIABLE.fullmatch(items):
            return items
        if not isinstance(items, list) or not re.fullmatch(r"[0-9]+", _text(index)):
            raise self.fail(node, "Fn::Select as [index, list]", arguments)
        if int(_text(index)) >= len(items):
            raise self.fail(node, f"an Fn::Select index below {len(items)}", index)
        return items[int(_text(index))]

    def _split(self, arguments: Any, node: Any) -> Any:
        if not isinstance(arguments, list) or len(arguments) != 2:
            raise self.fail(node, "Fn::Split as [delimiter, string]", arguments)

        delimiter = self.value(arguments[0])
        source = self.value(arguments[1])
        if (
            not isinstance(delimiter, str)
            or not delimiter
            or not isinstance(source, str)
        ):
            raise self.fail(node, "Fn::Split as [delimiter, string]", arguments)
        return _split_outside_placeholders(source, delimiter)

    # Fn::FindInMap

    def _find_in_map(self, arguments: Any, node: Any) -> Any:
        if not isinstance(arguments, list) or len(arguments) not in (3, 4):
            raise self.fail(node, "Fn::FindInMap as [map, key, key]", arguments)

        keys, entries = self._traced(arguments[:3])
        if entries:
            what = "Fn::FindInMap " + "/".join(_bare(_text(key)) for key in keys)
            unknown = ", ".join(entry["what"] for entry in entries)
            return self.record(
                what, f"its keys depend on {unknown}, which is not known", node
            )

        found = self._lookup([_text(key) for key in keys])
        if found is not None:
            return self.value(found)
        default = arguments[3] if len(arguments) == 4 else None
        if isinstance(default, dict) and "DefaultValue" in default:
            return self.value(default["DefaultValue"])
        raise self.fail(
            node, "Fn::FindInMap keys present in Mappings", "/".join(map(_text, keys))
        )

    def _lookup(self, keys: list[str]) -> Any:
        found: Any = self.template.mappings
        for key in keys:
            if not isinstance(found, dict) or key not in found:
                return None
            found = found[key]
        return found

    # Fn::If and conditions

    def _if(self, arguments: Any, node: Any) -> Any:
        return self.value(self.branch(node))

    def _if_arguments(self, node: Any) -> tuple[str, Any, Any]:
        arguments = node["Fn::If"]
        valid = (
            isinstance(arguments, list)
            and len(arguments) == 3
            and isinstance(arguments[0], str)
        )
        if not valid:
            raise self.fail(
                node, "Fn::If as [condition, value if true, value if false]", arguments
            )
        return arguments[0], arguments[1], arguments[2]

    def _condition(self, name: str, node: Any) -> tuple[bool | None, set[str]]:
        if name not in self._conditions:
            if name not in self.template.conditions:
                raise self.fail(node, "a condition defined in Conditions", name)
            if name in self._evaluating:
                raise self.fail(
                    node, "conditions that do not refer to themselves", name
                )

            self._evaluating.append(name)
            try:
                holds, unknown = self._judge(self.template.conditions[name])
            finally:
                self._evaluating.pop()
            self._conditions[name] = (holds, unknown)
        return self._conditions[name]

    def _judge(self, node: Any) -> tuple[bool | None, set[str]]:
        """A condition function's value (None when not known) and what it lacks."""
        function = (
            next(iter(node)) if isinstance(node, dict) and len(node) == 1 else None
        )
        if function not in _CONDITION_FUNCTIONS:
            raise self.fail(
                node,
                "a condition function (Fn::Equals, Fn::And, "
                "Fn::Or, Fn::Not or Condition)",
                node,
            )

        arguments = node[function]
        if function == "Condition":
            holds, unknown = self._condition(_text(arguments), node)
            return holds, unknown
        if function == "Fn::Equals":
            return self._equals(arguments, node)
        if not isinstance(arguments, list) or not arguments:
            raise self.fail(node, f"{function} as a list of conditions", arguments)

        judged = [self._judge(argument) for argument in arguments]
        values = [holds for holds, _ in judged]
        unknown = set().union(*(lacking for _, lacking in judged))
        if function == "Fn::Not":
            return (None if values[0] is None else not values[0]), unknown
        if function == "Fn::And":
            return (
                False if False in values else None if None in values else True
            ), unknown
        return (True if True in values else None if None in values else False), unknown

    def _equals(self, arguments: Any, node: Any) -> tuple[bool | None, set[str]]:
        if not isinstance(arguments, list) or len(arguments) != 2:
            raise self.fail(node, "Fn::Equals as [value, value]", arguments)

        (left, right), entries = self._traced(arguments)
        if entries:
            return None, {entry["what"] for entry in entries}
        return _comparable(left) == _comparable(right), set()

    # Functions that are resolved when pure

    def _import_value(self, arguments: Any, node: Any) -> Any:
        name, _ = self._traced(arguments)
        return self.record(
            f"Fn::ImportValue {_bare(_text(name))}",
            "an import is only known at deploy time",
            node,
        )

    def _get_azs(self, arguments: Any, node: Any) -> Any:
        region, _ = self._traced(arguments)
        shown = _bare(_text(region)) or "the stack's region"
        return self.record(
            f"Fn::GetAZs {shown}",
            "the Availability Zones of an account are only known at deploy time",
            node,
        )

    def _base64(self, arguments: Any, node: Any) -> Any:
        text, entries = self._traced(arguments)
        self.forward(entries)
        return base64.b64encode(_text(text).encode("utf-8")).decode("ascii")

    def _cidr(self, arguments: Any, node: Any) -> Any:
        if not isinstance(arguments, list) or len(arguments) != 3:
            raise self.fail(node, "Fn::Cidr as [block, count, bits]", arguments)

        (block, count, bits), entries = self._traced(arguments)
        if entries:
            self.forward(entries)
            return self.record(
                f"Fn::Cidr {_bare(_text(block))}", "its block is not known", node
            )
        try:
            network = ipaddress.ip_network(_text(block), strict=False)
            prefix = network.max_prefixlen - int(_text(bits))
            subnets = network.subnets(new_prefix=prefix)
            return [str(next(subnets)) for _ in range(int(_text(count)))]
        except (ValueError, StopIteration):
            raise self.fail(
                node, "Fn::Cidr as [block, count, bits] that fit", arguments
            ) from None

    def _length(self, arguments: Any, node: Any) -> Any:
        items, entries = self._traced(arguments)
        if entries or not isinstance(items, list):
            self.forward(entries)
            return self.record(
                "Fn::Length", "the length of a list that is not known", node
            )
        return len(items)

    def _to_json_string(self, arguments: Any, node: Any) -> Any:
        value, entries = self._traced(arguments)
        self.forward(entries)
        return json.dumps(value, separators=(",", ":"))


@dataclass
class _RoleState:
    """A role resource being read: its name and what could not be resolved."""

    resource: _Resource
    name: str
    explicit: bool
    entries: list[dict[str, Any]]


class _RoleReader:
    """Builds the input's roles from the IAM resources of one template."""

    def __init__(self, template: _Template, role_type: str | None):
        self.template = template
        self.resolver = _Resolver(template)
        self.role_type = role_type

    def roles(self) -> list[dict[str, Any]]:
        """Every deployed AWS::IAM::Role, with the policies attached to it."""
        states = [
            state for state in map(self._state, self._typed("AWS::IAM::Role")) if state
        ]
        policies = self._policies(states)
        self._instance_profiles(states)
        with self.resolver.capture() as shared:
            self._template_wide()

        return [self._role(state, policies, shared) for state in states]

    def _typed(self, *types: str) -> list[_Resource]:
        return [r for r in self.template.resources.values() if r.type in types]

    def _deployed(self, resource: _Resource) -> bool:
        condition = resource.node.get("Condition")
        if condition is None:
            return True
        if not isinstance(condition, str):
            raise self.resolver.fail(
                resource.node, "Condition to name a condition", condition
            )

        holds = self.resolver.truth(condition, _key(resource.node, "Condition"))
        if not holds:
            logger.debug(
                "%s: resource %s is not deployed (condition %s)",
                self.template.name,
                resource.logical,
                condition,
            )
        return holds

    def _state(self, resource: _Resource) -> _RoleState | None:
        with self.resolver.capture() as entries:
            if not self._deployed(resource):
                return None
            explicit = "RoleName" in resource.properties
            name = (
                self.resolver.value(resource.properties["RoleName"])
                if explicit
                else resource.logical
            )
        if not isinstance(name, str) or not name:
            raise self.resolver.fail(
                _key(resource.properties, "RoleName"), "RoleName as a string", name
            )
        # Limitation: a role without RoleName is named by CloudFormation at
        # deploy time (stack name, logical id and a random suffix); it is
        # classified by its logical id, which may not match the role-name globs
        # its deployed name would. Give the role a RoleName to lift this.
        return _RoleState(resource, name, explicit, entries)

    # Policies written as resources

    def _policies(self, states: list[_RoleState]) -> list[_Policy]:
        types = ("AWS::IAM::Policy", "AWS::IAM::RolePolicy", "AWS::IAM::ManagedPolicy")
        found = []
        for resource in self._typed(*types):
            policy = self._policy_resource(resource)
            if policy is not None:
                policy.targets = self._targets(resource, states)
                found.append(policy)
        return found

    def _policy_resource(self, resource: _Resource) -> _Policy | None:
        managed = resource.type == "AWS::IAM::ManagedPolicy"
        name_key = "ManagedPolicyName" if managed else "PolicyName"
        with self.resolver.capture() as entries:
            if not self._deployed(resource):
                return None
            # Limitation: a managed policy without ManagedPolicyName is named
            # by CloudFormation at deploy time; it is reported under its
            # logical id with a null ARN, so an ARN written elsewhere cannot be
            # matched to it. Give it a ManagedPolicyName to lift this.
            name = resource.logical
            if name_key in resource.properties:
                name = _text(self.resolver.value(resource.properties[name_key]))
            arn = self._known_arn(resource) if managed else None
            policy = self._written(
                resource.properties,
                name,
                "managed" if managed else "inline",
                arn,
                resource.logical,
            )
        return _Policy(resource.logical, policy, _for_policy(entries, name))

    def _known_arn(self, resource: _Resource) -> str | None:
        with self.resolver.capture() as lacking:
            arn = self.resolver.managed_arn(resource, resource.node)
        return arn if not lacking and isinstance(arn, str) else None

    def _targets(self, resource: _Resource, states: list[_RoleState]) -> list[str]:
        key = "RoleName" if resource.type == "AWS::IAM::RolePolicy" else "Roles"
        raw = resource.properties.get(key)
        if raw is None:
            return []
        nodes = [raw] if resource.type == "AWS::IAM::RolePolicy" else raw
        return [
            logical
            for node, _ in self.resolver.elements(nodes)
            if (logical := self._role_named(node, states, f"policy {resource.logical}"))
        ]

    def _role_named(self, node: Any, states: list[_RoleState], user: str) -> str | None:
        """The logical id of the template role a Ref or a name points to."""
        logicals = {state.resource.logical for state in states}
        if (
            isinstance(node, dict)
            and _function(node) == "Ref"
            and node["Ref"] in logicals
        ):
            return str(node["Ref"])

        with self.resolver.capture() as lacking:
            name = self.resolver.value(node)
        for state in states:
            if state.explicit and state.name == name:
                return state.resource.logical
        if lacking:
            logger.warning(
                "%s: %s names role %s, which is not known; if it is a role of "
                "this template, the policy is not checked with it",
                self.template.name,
                user,
                name,
            )
        else:
            logger.info(
                "%s: %s names role %s, which the template does not define",
                self.template.name,
                user,
                name,
            )
        return None

    def _instance_profiles(self, states: list[_RoleState]) -> None:
        for resource in self._typed("AWS::IAM::InstanceProfile"):
            with self.resolver.capture():
                if not self._deployed(resource):
                    continue
                for node, _ in self.resolver.elements(
                    resource.properties.get("Roles", [])
                ):
                    logical = self._role_named(
                        node, states, f"instance profile {resource.logical}"
                    )
                    if logical is not None:
                        logger.debug(
                            "%s: instance profile %s uses role %s",
                            self.template.name,
                            resource.logical,
                            logical,
                        )

    def _template_wide(self) -> None:
        """Record what may change any role but is not read: transforms, stacks."""
        transform = self.template.root.get("Transform")
        if transform is not None:
            names = ", ".join(_transform_names(transform))
            logger.warning(
                "%s: transform %s is not expanded; the template is read as written",
                self.template.name,
                names,
            )
            self.resolver.record(
                f"Transform {names}",
                "a transform rewrites the template at deploy time; the template is "
                "read as written, so what the transform adds is not checked",
                _key(self.template.root, "Transform"),
            )

        # Limitation: a nested stack is not fetched, and it can attach a policy
        # to a role by name, so it is reported on every role of the template,
        # even one it does not touch. Reading the nested template would lift it.
        for resource in self._typed(*NESTED_STACKS):
            if self._deployed(resource):
                logger.info(
                    "%s: nested stack %s is not read",
                    self.template.name,
                    resource.logical,
                )
                self.resolver.record(
                    f"{resource.type} {resource.logical}",
                    "a nested stack is not read; its resources may attach policies "
                    "to this role",
                    _key(self.template.root["Resources"], resource.logical),
                    resource.logical,
                )

    # Roles

    def _role(
        self, state: _RoleState, policies: list[_Policy], shared: list[dict[str, Any]]
    ) -> dict[str, Any]:
        resource = state.resource
        attached = [p for p in policies if resource.logical in p.targets]
        with self.resolver.capture() as entries:
            self.resolver.forward(state.entries)
            trust = self._trust(resource)
            arn = self._role_arn(state)
            inline = self._inline(resource)
            listed = self._managed_arns(resource, policies)
            boundary = self._boundary(resource, policies)
            for policy in attached:
                if policy.policy not in listed:
                    self.resolver.forward(copy.deepcopy(policy.entries))
            self.resolver.forward(copy.deepcopy(shared))

        written = inline + [p.policy for p in attached if p.policy["kind"] == "inline"]
        managed = [p.policy for p in attached if p.policy["kind"] == "managed"]
        return {
            "name": state.name,
            "arn": arn,
            "account": self.template.account,
            "source": self.template.name,
            "role_type": self.role_type,
            "trust_policy": trust,
            "permissions_boundary": boundary,
            "policies": written + _unique(listed + managed),
            "location": self.template.location(resource.line, resource.logical),
            "unresolved": _unique(entries),
        }

    def _role_arn(self, state: _RoleState) -> str | None:
        unknown_name = _VARIABLE.search(state.name) is not None
        if self.template.account is None or unknown_name or not state.explicit:
            return None
        with self.resolver.capture() as lacking:
            arn = self.resolver.role_arn(state.resource, state.resource.node)
        return arn if not lacking and isinstance(arn, str) else None

    def _trust(self, resource: _Resource) -> dict[str, Any] | None:
        node = resource.properties.get("AssumeRolePolicyDocument")
        if node is None:
            return None
        line = _line(_key(resource.properties, "AssumeRolePolicyDocument"), node)
        document, _ = self._document(node)
        if isinstance(document, str) and _VARIABLE.fullmatch(document):
            return None
        where = f"line {line}, role {resource.logical} trust policy"
        return policy_document(document, self.template.name, where)

    def _inline(self, resource: _Resource) -> list[dict[str, Any]]:
        node = resource.properties.get("Policies")
        if node is None:
            return []

        found = []
        for entry, line in self.resolver.elements(node):
            if not isinstance(entry, dict) or "PolicyName" not in entry:
                raise self.resolver.fail_at(
                    line,
                    f"each of the Policies of role {resource.logical} to "
                    "have a PolicyName and a PolicyDocument",
                    entry,
                )
            with self.resolver.capture() as entries:
                name = _text(self.resolver.value(entry["PolicyName"]))
                policy = self._written(entry, name, "inline", None, resource.logical)
            self.resolver.forward(_for_policy(entries, name))
            found.append(policy)
        return found

    def _managed_arns(
        self, resource: _Resource, policies: list[_Policy]
    ) -> list[dict[str, Any]]:
        node = resource.properties.get("ManagedPolicyArns")
        if node is None:
            return []

        found = []
        for entry, line in self.resolver.elements(node):
            policy = self._template_policy(entry, policies)
            if policy is not None:
                self.resolver.forward(copy.deepcopy(policy.entries))
                found.append(policy.policy)
                continue

            arn = self.resolver.value(entry)
            if not isinstance(arn, str):
                raise self.resolver.fail_at(line, "a managed policy ARN", arn)
            logger.info(
                "%s: managed policy %s is %s", self.template.name, arn, NOT_IN_TEMPLATE
            )
            found.append(
                {
                    "name": arn.rsplit("/", 1)[-1],
                    "arn": arn,
                    "kind": "managed",
                    "unresolved": NOT_IN_TEMPLATE,
                    "location": self.template.location(line, resource.logical),
                }
            )
        return found

    def _template_policy(self, node: Any, policies: list[_Policy]) -> _Policy | None:
        """The template's managed policy a Ref, Fn::GetAtt or ARN names, if any."""
        managed = [p for p in policies if p.policy["kind"] == "managed"]
        target = _referenced(node)
        if target is not None:
            return next((p for p in managed if p.logical == target), None)
        if isinstance(node, dict):
            return None
        return next((p for p in managed if p.policy["arn"] == node), None)

    def _boundary(
        self, resource: _Resource, policies: list[_Policy]
    ) -> dict[str, Any] | None:
        node = self.resolver.branch(resource.properties.get("PermissionsBoundary"))
        if node is None or _is_no_value(node):
            return None

        arn = self.resolver.value(node)
        if not isinstance(arn, str):
            line = _line(_key(resource.properties, "PermissionsBoundary"), node)
            raise self.resolver.fail_at(line, "PermissionsBoundary as an ARN", arn)
        policy = self._template_policy(node, policies) or self._template_policy(
            arn, policies
        )
        if policy is None:
            return {"arn": arn, "unresolved": NOT_IN_TEMPLATE}

        self.resolver.forward(copy.deepcopy(policy.entries))
        return {"arn": arn, "document": policy.policy["document"]}

    # Policy documents

    def _written(
        self,
        holder: dict[str, Any],
        name: str,
        kind: str,
        arn: str | None,
        logical: str,
    ) -> dict[str, Any]:
        """A policy written in the template, its document checked and located."""
        node = holder.get("PolicyDocument")
        line = _line(_key(holder, "PolicyDocument"), node, holder)
        if node is None:
            raise self.resolver.fail_at(
                line, f"policy {name} to have a PolicyDocument", holder
            )

        document, lines = self._document(node)
        policy: dict[str, Any] = {"name": name, "arn": arn, "kind": kind}
        location = self.template.location(line, logical)
        if isinstance(document, str) and _VARIABLE.fullmatch(document):
            unknown = f"its document is only known at deploy time ({document})"
            return {**policy, "unresolved": unknown, "location": location}

        where = f"line {line}, policy {name}"
        checked = policy_document(document, self.template.name, where)
        policy.update(document=checked, location=location)
        statements = checked["Statement"]
        count = len(statements) if isinstance(statements, list) else 1
        if lines is not None and len(lines) == count:
            policy["statement_locations"] = [
                self.template.location(found, logical) for found in lines
            ]
        return policy

    def _document(self, node: Any) -> tuple[Any, list[int | None] | None]:
        """A resolved policy document and the line of each of its statements."""
        chosen = self.resolver.branch(node)
        literal = isinstance(chosen, dict) and _function(chosen) is None
        if not literal or "Statement" not in chosen:
            return self.resolver.value(chosen), None

        document: dict[str, Any] = {}
        lines = None
        for key, raw in chosen.items():
            if key == "Statement":
                document["Statement"], lines = self._statements(raw)
                continue
            resolved = self.resolver.value(raw)
            if resolved is not REMOVED:
                document[str(key)] = resolved
        return document, lines

    def _statements(self, node: Any) -> tuple[Any, list[int | None] | None]:
        chosen = self.resolver.branch(node)
        if not isinstance(chosen, list):
            literal = isinstance(chosen, dict) and _function(chosen) is None
            return self.resolver.value(chosen), [
                _line(chosen, node)
            ] if literal else None

        statements, lines = [], []
        for element, line in self.resolver.elements(chosen):
            resolved = self.resolver.value(element)
            if resolved is not REMOVED:
                statements.append(resolved)
                lines.append(line)
        return statements, lines


def _key(container: Any, name: str) -> Any:
    """The key node of a mapping entry (it carries the entry's line)."""
    if isinstance(container, dict):
        for key in container:
            if key == name:
                return key
    return container


def _referenced(node: Any) -> str | None:
    """The logical id a Ref or Fn::GetAtt ... PolicyArn names, if node is one."""
    function = _function(node) if isinstance(node, dict) else None
    if function == "Ref" and isinstance(node["Ref"], str):
        return str(node["Ref"])
    if function != "Fn::GetAtt":
        return None
    arguments = node["Fn::GetAtt"]
    if isinstance(arguments, str):
        arguments = arguments.split(".", 1)
    if isinstance(arguments, list) and arguments[1:] == ["PolicyArn"]:
        return str(arguments[0])
    return None


def _for_policy(entries: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [{**entry, "policy": name} for entry in entries]


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for item in items:
        if item not in found:
            found.append(item)
    return found


def _transform_names(transform: Any) -> list[str]:
    listed = transform if isinstance(transform, list) else [transform]
    return [
        _text(item.get("Name", item)) if isinstance(item, dict) else _text(item)
        for item in listed
    ]


def _function(node: dict[Any, Any]) -> str | None:
    """The intrinsic function a one-key mapping calls, if it is one."""
    if len(node) != 1:
        return None
    key = str(next(iter(node)))
    return key if key == "Ref" or key.startswith("Fn::") else None


def _is_no_value(node: Any) -> bool:
    return (
        isinstance(node, dict) and _function(node) == "Ref" and node["Ref"] == NO_VALUE
    )


def _missing_reason(name: str) -> str:
    if name in PSEUDO_PARAMETERS:
        return (
            f"pseudo parameter {name} is only known at deploy time; give it in "
            "the CloudFormation parameters"
        )
    return (
        f"parameter {name} has no Default and no value in the CloudFormation parameters"
    )


def _plain(value: Any) -> Any:
    """A decoded value as plain JSON values (dates as ISO text)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _text(value: Any) -> str:
    """A scalar as CloudFormation writes it into a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return ""
    return str(value)


def _comparable(value: Any) -> Any:
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return _text(value)


def _bare(text: str) -> str:
    """Text with the braces of its placeholders removed, for use inside another."""
    return _VARIABLE.sub(lambda match: match[1], text)


def _split_outside_placeholders(text: str, delimiter: str) -> list[str]:
    """Split text, keeping each "${...}" placeholder whole."""
    parts = [""]
    for number, piece in enumerate(_VARIABLE.split(text)):
        if number % 2:
            parts[-1] += f"${{{piece}}}"
            continue
        first, *rest = piece.split(delimiter)
        parts[-1] += first
        parts.extend(rest)
    return parts


def _what(value: Any) -> str:
    """What a decoded value is, in words, for error messages."""
    return describe(_plain(value), mapping="mapping", sequence="list")
