# METADATA
# title: The vendor contract, linted
# description: |
#   Reports the contract's own defects: actions that do not exist, repeated
#   rows, table-layout slips, wildcards and how many actions they cover today,
#   rows a wildcard of the same role already covers, and actions one role
#   must be denied while another is allowed them.
package dspm.lint

import data.dspm.lib.contract

_rows := data.dspm.contract.rows

_row_actions := data.dspm.index.row_actions

items := array.concat(array.concat(array.concat(_errata, _wildcards), _redundant), _contradictions)

_severity := {
	"typo": "error",
	"not-an-action": "error",
	"duplicate-row": "warning",
	"table-header": "warning",
	"missing-column": "warning",
}

_errata := [{
	"kind": erratum.kind,
	"severity": _severity[erratum.kind],
	"rows": [erratum.id],
	"action": erratum.written,
	"actions": erratum.corrected,
	"message": erratum.note,
} |
	some erratum in data.dspm.contract.errata
]

_wildcards := [{
	"kind": "wildcard",
	"severity": "info",
	"rows": [row.id],
	"action": row.action,
	"actions": _row_actions[row.id],
	"message": sprintf("%s (%s) expands to %d actions with catalog %s; a newer catalog may add more", [
		row.action, row.role, count(_row_actions[row.id]), data.dspm.catalog.version,
	]),
} |
	some row in _rows
	row.duplicate_of == null
	some pattern in row.actions
	contains(pattern, "*")
]

# A literal row is redundant when a wildcard row of the same role and scope
# already covers its action.
_redundant := [{
	"kind": "redundant-row",
	"severity": "warning",
	"rows": [row.id, wider.id],
	"action": row.action,
	"actions": [action],
	"message": sprintf("%s (%s) is already covered by %s (%s) in the same role and scope", [
		row.action, row.id, wider.action, wider.id,
	]),
} |
	some row in _rows
	row.duplicate_of == null
	not _is_pattern(row)
	some action in _row_actions[row.id]
	some wider in _rows
	wider.id != row.id
	wider.role == row.role
	wider.scope == row.scope
	wider.duplicate_of == null
	_is_pattern(wider)
	action in _row_actions[wider.id]
]

# A contradiction: one role's Deny row covers an action another role's Allow
# row grants. It may be intended (the roles differ) but deserves a word.
_contradictions := [{
	"kind": "contradiction",
	"severity": "warning",
	"rows": [denial.id, grant.id],
	"action": grant.action,
	"actions": sort(overlap),
	"message": sprintf("%s must deny %s (%s) while %s is allowed it through %s (%s): intended?", [
		denial.role, concat(", ", sort(overlap)), denial.id, grant.role, grant.action, grant.id,
	]),
} |
	some denial in _rows
	denial.effect == "Deny"
	some grant in _rows
	grant.effect == "Allow"
	grant.role != denial.role
	grant.duplicate_of == null
	overlap := {action | some action in _row_actions[grant.id]} & {action | some action in _row_actions[denial.id]}
	count(overlap) > 0
]

_is_pattern(row) if {
	some pattern in row.actions
	contains(pattern, "*")
}

summary := {severity: count([item | some item in items; item.severity == severity]) |
	some severity in {"error", "warning", "info"}
}

result := {"items": items, "summary": summary, "catalog": data.dspm.catalog.version}
