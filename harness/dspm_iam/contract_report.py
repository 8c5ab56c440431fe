"""Show the vendor contract held in the bundle: its rows per role type and its errata.

The contract is the bundle's data (data.dspm.contract); this module selects
and lays it out, it does not interpret it.
"""

from __future__ import annotations

import json
from typing import Any

from dspm_iam.errors import EngineError
from dspm_iam.params import ROLE_TYPES
from dspm_iam.report import wrap


def contract_view(contract: Any, role_type: str | None = None) -> dict[str, Any]:
    """The contract's source, rows grouped by role type, and errata, filtered."""
    if not isinstance(contract, dict) or not all(
        isinstance(contract.get(key), list) for key in ("rows", "errata")
    ):
        raise EngineError("data.dspm.contract: expected an object with rows and errata")

    titles = contract.get("role_types") or {}
    wanted = [role_type] if role_type else _ordered(titles)
    return {
        "source": contract.get("source"),
        "role_types": {
            name: {
                "title": (titles.get(name) or {}).get("title", name),
                "rows": [row for row in contract["rows"] if row.get("role") == name],
            }
            for name in wanted
        },
        "errata": [
            erratum for erratum in contract["errata"] if erratum.get("role") in wanted
        ],
    }


def render_contract_json(view: dict[str, Any]) -> str:
    """The selected contract as indented JSON, ending with a newline."""
    return json.dumps(view, indent=2) + "\n"


def render_contract_text(view: dict[str, Any]) -> str:
    """The selected contract as text for an 80-column terminal."""
    source = view.get("source") or {}
    lines = [str(source.get("title", "Contract")), str(source.get("url", ""))]
    for name, role in view["role_types"].items():
        lines += ["", f"{role['title']} ({name}): {len(role['rows'])} rows"]
        lines += [wrap(_row_text(row), "  ") for row in role["rows"]]

    lines += ["", f"Errata: {len(view['errata'])}"]
    for erratum in view["errata"]:
        lines.append(wrap(_erratum_text(erratum), "  "))
    return "\n".join(lines) + "\n"


def _ordered(titles: dict[str, Any]) -> list[str]:
    known = [name for name in ROLE_TYPES if name in titles]
    return known + sorted(name for name in titles if name not in ROLE_TYPES)


def _row_text(row: dict[str, Any]) -> str:
    text = f"{row.get('action')}{_corrected(row.get('action'), row.get('actions'))}"
    text += f" {row.get('effect')} {row.get('scope')}"
    notes = [f"needs {feature}" for feature in row.get("features") or []]
    if row.get("data_store"):
        notes.append(f"data store {row['data_store']}")
    if row.get("duplicate_of"):
        notes.append(f"repeats {row['duplicate_of']}")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def _erratum_text(erratum: dict[str, Any]) -> str:
    written = erratum.get("written")
    corrected = _corrected(written, erratum.get("corrected"))
    return (
        f"{erratum.get('id')} ({erratum.get('kind')}): {written}{corrected}. "
        f"{erratum.get('note', '')}"
    )


def _corrected(written: Any, corrected: Any) -> str:
    if not isinstance(corrected, list) or corrected == [written]:
        return ""
    return " -> " + ", ".join(str(action) for action in corrected)
