"""Turn input paths into the sources and roles of the document sent to the bundle.

Reads bare policy documents, single roles shaped like an element of
RoleDetailList, whole `aws iam get-account-authorization-details` dumps, and
hands CloudFormation templates and Terraform plans to their own readers.
Documents are checked for their minimal shape and otherwise passed on as
written: the bundle normalises them.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from dspm_iam.cloudformation import is_template, read_template
from dspm_iam.documents import (
    describe,
    object_list,
    parse_json,
    policy_document,
    read_text,
    required_text,
)
from dspm_iam.errors import InputError
from dspm_iam.params import check_role_type
from dspm_iam.terraform import is_plan, read_plan

logger = logging.getLogger(__name__)

# Files read below a directory given; YAML is read as CloudFormation.
SUFFIXES = (".json", ".yaml", ".yml", ".template")
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template")
STDIN = "-"
STDIN_NAME = "<stdin>"
DUMP_KEYS = ("RoleDetailList", "UserDetailList", "GroupDetailList", "Policies")
UNRESOLVED = "not in the Policies list of any dump given"
_ACCOUNT = re.compile(r"^[0-9]{12}$")


@dataclass(frozen=True)
class Inputs:
    """The `sources` and `roles` lists of the input document."""

    sources: list[dict[str, Any]]
    roles: list[dict[str, Any]]


@dataclass(frozen=True)
class _File:
    """One document read from a file or standard input; templates and plans
    come with the roles their reader found in them."""

    name: str
    stem: str
    kind: str
    document: dict[str, Any]
    roles: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _PolicyIndex:
    """Managed policies of every dump read, by ARN, with decoded defaults."""

    entries: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    resolved: dict[str, dict[str, Any] | str] = field(default_factory=dict)

    def add(self, source: str, dump: dict[str, Any]) -> None:
        """Index the Policies list of one dump; the first dump naming an ARN wins."""
        for entry in object_list(dump, "Policies", source):
            arn = entry.get("Arn")
            if isinstance(arn, str):
                self.entries.setdefault(arn, (source, entry))

    def resolve(self, arn: str) -> dict[str, Any] | str:
        """The default version's document of a managed policy, or why there is none."""
        if arn not in self.resolved:
            self.resolved[arn] = self._default_document(arn)
        return self.resolved[arn]

    def _default_document(self, arn: str) -> dict[str, Any] | str:
        if arn not in self.entries:
            logger.debug("managed policy %s: %s", arn, UNRESOLVED)
            return UNRESOLVED

        source, entry = self.entries[arn]
        where = f"managed policy {entry.get('PolicyName', arn)}"
        for version in object_list(entry, "PolicyVersionList", f"{source}: {where}"):
            if _is_default(version, entry.get("DefaultVersionId")):
                return policy_document(version.get("Document"), source, where)
        return "its Policies entry has no default version"


def load_inputs(
    paths: Sequence[str],
    role_type: str | None = None,
    stdin: TextIO | None = None,
    cfn_parameters: Mapping[str, str] | None = None,
) -> Inputs:
    """Read every path ('-' is standard input, a directory the files below it
    with a suffix in SUFFIXES); cfn_parameters are CloudFormation's."""
    check_role_type(role_type)
    given = cfn_parameters or {}
    files = [
        _parse(name, text, given, role_type) for name, text in _texts(paths, stdin)
    ]

    index = _PolicyIndex()
    for read in files:
        if read.kind == "dump":
            index.add(read.name, read.document)

    # Limitation: a role read twice (the same dump given twice, or a role file
    # next to the dump it came from) is passed on twice and checked twice, so
    # its findings repeat. Deduplicating by ARN would lift this.
    sources = [_source(read) for read in files]
    roles = [role for read in files for role in _roles(read, index, role_type)]
    logger.info("read %d sources holding %d roles", len(sources), len(roles))
    return Inputs(sources=sources, roles=roles)


def _texts(paths: Sequence[str], stdin: TextIO | None) -> Iterator[tuple[str, str]]:
    stdin_read = False
    for given in paths:
        if given == STDIN:
            if stdin_read:
                raise InputError(f"{STDIN}: expected standard input once, as one path")
            stdin_read = True
            yield STDIN_NAME, (stdin or sys.stdin).read()
            continue

        for path in _expand(Path(given)):
            yield str(path), read_text(path)


def _expand(path: Path) -> list[Path]:
    if not path.is_dir():
        return [path]

    found = sorted(
        child
        for child in path.rglob("*")
        if child.suffix in SUFFIXES and child.is_file()
    )
    if not found:
        raise InputError(
            f"{path}: expected {', '.join('*' + suffix for suffix in SUFFIXES)} "
            "files below this directory"
        )
    return found


def _parse(
    name: str, text: str, cfn_parameters: Mapping[str, str], role_type: str | None
) -> _File:
    stem = "stdin" if name == STDIN_NAME else Path(name).stem
    if Path(name).suffix in TEMPLATE_SUFFIXES:
        roles = read_template(name, text, cfn_parameters, role_type)
        return _File(name, stem, "cloudformation", {}, roles)

    document = parse_json(name, text)
    if is_template(document):
        roles = read_template(name, text, cfn_parameters, role_type)
        return _File(name, stem, "cloudformation", {}, roles)
    if is_plan(document):
        return _File(name, stem, "terraform-plan", {}, read_plan(name, text, role_type))

    kind = _kind(document)
    if kind is None:
        raise InputError(
            f"{name}: expected an IAM policy document, a role, a "
            "get-account-authorization-details dump, a CloudFormation template "
            f"or a Terraform plan; found {describe(document)}"
        )
    return _File(name=name, stem=stem, kind=kind, document=document)


def _kind(document: Any) -> str | None:
    if not isinstance(document, dict):
        return None
    if "Statement" in document:
        return "policy"
    if "RoleName" in document:
        return "role"
    if any(key in document for key in DUMP_KEYS):
        return "dump"
    return None


def _source(read: _File) -> dict[str, Any]:
    truncated = read.kind == "dump" and read.document.get("IsTruncated") is True
    if truncated:
        logger.info("%s: the dump is one page of several (IsTruncated)", read.name)
    return {"path": read.name, "kind": read.kind, "truncated": truncated}


def _roles(
    read: _File, index: _PolicyIndex, role_type: str | None
) -> list[dict[str, Any]]:
    if read.kind in ("cloudformation", "terraform-plan"):
        return read.roles
    if read.kind == "policy":
        return [_bare_policy_role(read, role_type)]
    if read.kind == "role":
        return [_role(read.document, read.name, index, role_type)]

    if "RoleDetailList" not in read.document:
        logger.info("%s: the dump has no RoleDetailList, so no roles", read.name)
    elements = object_list(read.document, "RoleDetailList", read.name)
    return [_role(element, read.name, index, role_type) for element in elements]


def _bare_policy_role(read: _File, role_type: str | None) -> dict[str, Any]:
    if role_type is None:
        raise InputError(
            f"{read.name}: a bare policy document needs --role-type to say "
            "which DSPM role it belongs to"
        )

    file_name = "stdin" if read.name == STDIN_NAME else Path(read.name).name
    document = policy_document(read.document, read.name, f"policy {file_name}")
    policy = {"name": file_name, "arn": None, "kind": "inline", "document": document}
    return {
        "name": read.stem,
        "arn": None,
        "account": None,
        "source": read.name,
        "role_type": role_type,
        "trust_policy": None,
        "permissions_boundary": None,
        "policies": [policy],
    }


def _role(
    raw: dict[str, Any], source: str, index: _PolicyIndex, role_type: str | None
) -> dict[str, Any]:
    name = required_text(raw, "RoleName", f"{source}: role")
    where = f"role {name}"
    arn = raw.get("Arn") if isinstance(raw.get("Arn"), str) else None
    return {
        "name": name,
        "arn": arn,
        "account": _account(arn),
        "source": source,
        "role_type": role_type,
        "trust_policy": _trust(raw, source, where),
        "permissions_boundary": _boundary(raw, source, where, index),
        "policies": _inline(raw, source, where) + _managed(raw, source, where, index),
    }


def _trust(raw: dict[str, Any], source: str, where: str) -> dict[str, Any] | None:
    trust = raw.get("AssumeRolePolicyDocument")
    if trust is None:
        return None
    return policy_document(trust, source, f"{where} trust policy")


def _account(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    if len(parts) > 4 and _ACCOUNT.match(parts[4]):
        return parts[4]
    return None


def _inline(raw: dict[str, Any], source: str, where: str) -> list[dict[str, Any]]:
    policies = []
    for entry in object_list(raw, "RolePolicyList", f"{source}: {where}"):
        name = required_text(entry, "PolicyName", f"{source}: {where} inline policy")
        document = policy_document(
            entry.get("PolicyDocument"), source, f"{where} inline policy {name}"
        )
        policies.append(
            {"name": name, "arn": None, "kind": "inline", "document": document}
        )
    return policies


def _managed(
    raw: dict[str, Any], source: str, where: str, index: _PolicyIndex
) -> list[dict[str, Any]]:
    policies = []
    for entry in object_list(raw, "AttachedManagedPolicies", f"{source}: {where}"):
        arn = required_text(entry, "PolicyArn", f"{source}: {where} managed policy")
        name = entry.get("PolicyName")
        policy: dict[str, Any] = {
            "name": name if isinstance(name, str) else arn.rsplit("/", 1)[-1],
            "arn": arn,
            "kind": "managed",
        }
        policy.update(_resolution(index.resolve(arn)))
        policies.append(policy)
    return policies


def _boundary(
    raw: dict[str, Any], source: str, where: str, index: _PolicyIndex
) -> dict[str, Any] | None:
    boundary = raw.get("PermissionsBoundary")
    if boundary is None:
        return None
    if not isinstance(boundary, dict):
        raise InputError(
            f"{source}: {where}: expected PermissionsBoundary to be an object, "
            f"found {describe(boundary)}"
        )

    arn = required_text(
        boundary, "PermissionsBoundaryArn", f"{source}: {where} boundary"
    )
    return {"arn": arn, **_resolution(index.resolve(arn))}


def _resolution(found: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(found, str):
        return {"unresolved": found}
    return {"document": found}


def _is_default(version: dict[str, Any], default_id: Any) -> bool:
    if version.get("IsDefaultVersion") is True:
        return True
    return default_id is not None and version.get("VersionId") == default_id


def load_scps(path: Path) -> list[dict[str, Any]]:
    """Read Service Control Policies that apply to every role checked.

    The file holds one policy document, a list of them, or a list of objects
    with `document` (or Organizations' `Content`) and optional `name` and
    `target` (the root, OU or account the policy is attached to; SCPs with the
    same target form one level, and an action must be allowed at every level).
    """
    name = str(path)
    document = parse_json(name, read_text(path))
    entries = document if isinstance(document, list) else [document]
    if not entries:
        raise InputError(f"{name}: expected at least one service control policy")
    return [_scp(name, number, entry) for number, entry in enumerate(entries)]


def _scp(source: str, number: int, entry: Any) -> dict[str, Any]:
    where = f"service control policy {number}"
    if isinstance(entry, dict) and "Statement" in entry:
        return {
            "name": f"{Path(source).stem}-{number}",
            "target": "account",
            "document": policy_document(entry, source, where),
        }
    if not isinstance(entry, dict):
        raise InputError(
            f"{source}: {where}: expected a policy document or an object with "
            f"'document'; found {describe(entry)}"
        )

    raw = entry.get("document", entry.get("Content"))
    if raw is None:
        raise InputError(f"{source}: {where}: expected a 'document' or 'Content' key")
    return {
        "name": str(
            entry.get("name", entry.get("Name", f"{Path(source).stem}-{number}"))
        ),
        "target": str(entry.get("target", entry.get("Target", "account"))),
        "document": policy_document(raw, source, where),
    }
