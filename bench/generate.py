"""Generate a synthetic `get-account-authorization-details` dump for the benchmark.

From a fixed seed, writes one account's dump of N roles: copies of the DSPM
roles of `tests/data/roles/good/` and of broken variants from
`tests/data/policies/bad/` (each copy renamed), among ordinary roles whose
inline policies use wildcards, NotAction and tag conditions and whose
attached managed policies are real AWS managed policies. Every managed policy
drawn is listed in the dump's `Policies` with its default version, so nothing
is left unresolved. The same seed and N give the same bytes.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import random
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

SEED = 20240611
SIZES = (50, 500, 2000)
ACCOUNT = "111111111111"
DSPM_SHARE = 10
REPO = Path(__file__).resolve().parents[1]
GOOD = REPO / "tests" / "data" / "roles" / "good"
BAD = REPO / "tests" / "data" / "policies" / "bad"
MANAGED = Path(
    "data", "managed-policies", "iam-dataset", "managed_policies_compact.json"
)

_TEAMS = ("payments", "search", "ledger", "growth", "platform", "ml", "billing")
_PURPOSES = ("lambda-exec", "ecs-task", "ci-deploy", "etl", "readonly", "ops")
_SERVICES = ("lambda", "ec2", "ecs-tasks", "glue", "states", "codebuild")
_DENIED = ("iam:*", "organizations:*", "account:*", "sts:*")
_START = datetime(2023, 1, 1, tzinfo=UTC)


def shared_dir() -> Path:
    """The shared folder: `DSPM_SHARED` if set, else `shared/` beside the repo."""
    given = os.environ.get("DSPM_SHARED")
    return Path(given) if given else Path(__file__).resolve().parents[2] / "shared"


def managed_policies(shared: Path | None = None) -> list[dict[str, Any]]:
    """The usable AWS managed policies (with an ARN, not deprecated), by ARN."""
    path = (shared or shared_dir()) / MANAGED
    entries = json.loads(path.read_text("utf-8"))
    usable = [
        entry
        for entry in entries
        if entry.get("arn") and not entry.get("deprecated") and entry.get("document")
    ]
    return sorted(usable, key=lambda entry: str(entry["arn"]))


def dspm_templates() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The compliant DSPM roles and the broken variants, each tagged with its case."""
    good = {
        path.name.removesuffix(".role.json"): path for path in GOOD.glob("*.role.json")
    }
    compliant = [_tagged(_load(good[kind]), kind) for kind in sorted(good)]

    cases = yaml.safe_load((BAD / "expected.yaml").read_text("utf-8"))["cases"]
    broken = []
    for label in sorted(cases):
        case = cases[label]
        path = (BAD / case["file"]).resolve()
        if path.parent != BAD.resolve():
            continue
        if path.name.endswith(".role.json"):
            broken.append(_tagged(_load(path), label))
            continue

        role = _load(good[case["role_type"]])
        role["RolePolicyList"][0]["PolicyDocument"] = _load(path)
        broken.append(_tagged(role, label))
    return compliant, broken


def generate(
    roles: int, seed: int = SEED, shared: Path | None = None
) -> dict[str, Any]:
    """The dump of `roles` roles for this seed."""
    rng = random.Random(seed)
    managed = managed_policies(shared)
    actions = _literal_actions(managed)
    compliant, broken = dspm_templates()

    dspm = _dspm_plan(rng, roles, compliant, broken)
    positions = set(rng.sample(range(roles), len(dspm)))
    attachments: dict[str, int] = {}
    role_list = []
    for serial in range(roles):
        if serial in positions:
            role = _dspm_copy(rng, dspm.pop(), serial)
        else:
            role = _ordinary_role(rng, serial, actions, managed)
        for attached in role["AttachedManagedPolicies"]:
            arn = attached["PolicyArn"]
            attachments[arn] = attachments.get(arn, 0) + 1
        role_list.append(role)

    by_arn = {str(entry["arn"]): entry for entry in managed}
    policies = [_policy_entry(by_arn[arn], count) for arn, count in attachments.items()]
    return {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": role_list,
        "Policies": policies,
    }


def dump_bytes(dump: dict[str, Any]) -> bytes:
    """The dump as the AWS CLI prints it (four-space indent)."""
    return (json.dumps(dump, indent=4) + "\n").encode("utf-8")


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return loaded


def _tagged(role: dict[str, Any], label: str) -> dict[str, Any]:
    role["Tags"] = [*role.get("Tags", []), {"Key": "bench-case", "Value": label}]
    return role


def _dspm_plan(
    rng: random.Random,
    roles: int,
    compliant: list[dict[str, Any]],
    broken: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    count = min(roles, max(2 * len(compliant), roles // DSPM_SHARE))
    plan = list(compliant) + rng.sample(broken, min(len(compliant), len(broken)))
    while len(plan) < count:
        plan.append(rng.choice(compliant if rng.random() < 0.5 else broken))
    plan = plan[:count]
    rng.shuffle(plan)
    return plan


def _dspm_copy(
    rng: random.Random, template: dict[str, Any], serial: int
) -> dict[str, Any]:
    role = copy.deepcopy(template)
    name = f"{role['RoleName']}-{serial:05d}"
    role["RoleName"] = name
    role["RoleId"] = _identifier("AROA", name)
    role["Arn"] = f"arn:aws:iam::{ACCOUNT}:role/{name}"
    role["CreateDate"] = _date(rng)
    return role


def _ordinary_role(
    rng: random.Random,
    serial: int,
    actions: Sequence[str],
    managed: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    team, purpose = rng.choice(_TEAMS), rng.choice(_PURPOSES)
    name = f"{team}-{purpose}-{serial:05d}"
    inline = [
        {
            "PolicyName": f"{team}-{purpose}-{number}",
            "PolicyDocument": _document(rng, actions, team),
        }
        for number in range(rng.randint(1, 3))
    ]
    attached = rng.sample(managed, rng.randint(0, 3))
    return {
        "Path": "/",
        "RoleName": name,
        "RoleId": _identifier("AROA", name),
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "CreateDate": _date(rng),
        "AssumeRolePolicyDocument": _trust(rng),
        "InstanceProfileList": [],
        "RolePolicyList": inline,
        "AttachedManagedPolicies": [
            {"PolicyName": str(entry["name"]), "PolicyArn": str(entry["arn"])}
            for entry in attached
        ],
        "Tags": [{"Key": "team", "Value": team}],
        "RoleLastUsed": {},
    }


def _trust(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.8:
        service = f"{rng.choice(_SERVICES)}.amazonaws.com"
        statement: dict[str, Any] = {
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
        }
    else:
        statement = {
            "Effect": "Allow",
            "Principal": {
                "AWS": f"arn:aws:iam::{rng.randint(10**11, 10**12 - 1)}:root"
            },
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"sts:ExternalId": f"ext-{rng.randint(0, 9999)}"}
            },
        }
    return {"Version": "2012-10-17", "Statement": [statement]}


def _document(rng: random.Random, actions: Sequence[str], team: str) -> dict[str, Any]:
    builders = (_allow, _allow, _wildcard, _not_action, _tag_condition, _deny)
    statements = [
        rng.choice(builders)(rng, actions, team) for _ in range(rng.randint(1, 6))
    ]
    for number, statement in enumerate(statements):
        if rng.random() < 0.5:
            statement["Sid"] = f"Statement{number}"
    return {"Version": "2012-10-17", "Statement": statements}


def _allow(rng: random.Random, actions: Sequence[str], team: str) -> dict[str, Any]:
    chosen = rng.sample(actions, rng.randint(1, 8))
    return {
        "Effect": "Allow",
        "Action": chosen[0] if len(chosen) == 1 else chosen,
        "Resource": _resources(rng, chosen[0].split(":")[0], team),
    }


def _wildcard(rng: random.Random, actions: Sequence[str], team: str) -> dict[str, Any]:
    services = sorted({action.split(":")[0] for action in rng.sample(actions, 3)})
    verbs = ("Get*", "List*", "Describe*", "Put*", "*")
    patterns = [f"{service}:{rng.choice(verbs)}" for service in services]
    if rng.random() < 0.05:
        patterns = ["*"]
    return {"Effect": "Allow", "Action": patterns, "Resource": "*"}


def _not_action(
    rng: random.Random, actions: Sequence[str], team: str
) -> dict[str, Any]:
    excluded = rng.sample(_DENIED, rng.randint(1, len(_DENIED)))
    if rng.random() < 0.5:
        return {"Effect": "Allow", "NotAction": excluded, "Resource": "*"}
    return {
        "Effect": "Deny",
        "NotAction": excluded,
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}},
    }


def _tag_condition(
    rng: random.Random, actions: Sequence[str], team: str
) -> dict[str, Any]:
    statement = _allow(rng, actions, team)
    conditions = (
        {"StringEquals": {"aws:ResourceTag/team": team}},
        {"StringLike": {"aws:PrincipalTag/project": f"{team}-*"}},
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "project"]}},
        {"StringEqualsIfExists": {"aws:RequestTag/team": team}},
    )
    statement["Condition"] = rng.choice(conditions)
    return statement


def _deny(rng: random.Random, actions: Sequence[str], team: str) -> dict[str, Any]:
    statement = _allow(rng, actions, team)
    statement["Effect"] = "Deny"
    statement["Condition"] = {"Bool": {"aws:SecureTransport": "false"}}
    return statement


def _resources(rng: random.Random, service: str, team: str) -> str | list[str]:
    if rng.random() < 0.4:
        return "*"
    if service == "s3":
        bucket = f"{team}-data-{rng.randint(0, 99)}"
        return [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    return f"arn:aws:{service}:us-east-1:{ACCOUNT}:{team}-*"


def _literal_actions(managed: Sequence[dict[str, Any]]) -> list[str]:
    found: set[str] = set()
    for entry in managed:
        statements = entry["document"].get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            named = statement.get("Action", [])
            for action in [named] if isinstance(named, str) else named:
                if "*" not in action and "?" not in action and ":" in action:
                    found.add(action)
    return sorted(found)


def _policy_entry(entry: dict[str, Any], attachments: int) -> dict[str, Any]:
    arn = str(entry["arn"])
    path = "/" + "".join(
        f"{part}/" for part in arn.split(":policy/")[1].split("/")[:-1]
    )
    version = str(entry.get("version") or "v1")
    return {
        "PolicyName": entry["name"],
        "PolicyId": _identifier("ANPA", arn),
        "Arn": arn,
        "Path": path,
        "DefaultVersionId": version,
        "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "CreateDate": entry.get("createdate"),
        "UpdateDate": entry.get("updatedate"),
        "PolicyVersionList": [
            {
                "Document": entry["document"],
                "VersionId": version,
                "IsDefaultVersion": True,
                "CreateDate": entry.get("updatedate"),
            }
        ],
    }


def _identifier(prefix: str, name: str) -> str:
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()
    return prefix + digest[:17].upper()


def _date(rng: random.Random) -> str:
    moment = _START + timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
    return moment.isoformat()


def main(argv: Sequence[str] | None = None) -> int:
    """Write one dump per size to the output folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--output-dir", type=Path, default=REPO / "dist" / "bench")
    args = parser.parse_args(argv)

    args.output_dir.mkdir(parents=True, exist_ok=True)
    for roles in args.roles:
        path = args.output_dir / f"roles-{roles}.json"
        path.write_bytes(dump_bytes(generate(roles, args.seed)))
        print(f"{path.name}: {roles} roles, {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
