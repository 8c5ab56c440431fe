# METADATA
# title: Explain one action of one role
# description: |
#   For input.explain.role and input.explain.action, lists every statement of
#   the role's own policies, its permissions boundary and its SCPs that names
#   the action, what each does with it, and the final decision.
package dspm.explain

import data.dspm.lib.contract
import data.dspm.lib.iam
import data.dspm.lib.roles

_wanted := input.explain

# index is the position of the role asked for, by name or ARN, among the
# checked roles.
index := position if {
	count(_matching) == 1
	some position in _matching
}

_matching contains position if {
	some position in roles.checked
	lower(input.roles[position].name) == lower(_wanted.role)
}

_matching contains position if {
	some position in roles.checked
	input.roles[position].arn == _wanted.role
}

# action is the catalog action asked for, in the catalog's spelling.
action := canonical if {
	matches := iam.expand(_wanted.action)
	count(matches) == 1
	not iam.has_wildcard(_wanted.action)
	some canonical in matches
}

statements := [_describe(stmt) |
	some stmt in array.concat(roles.statements[index], roles.bounds[index])
	action in roles.statement_actions(stmt)
]

_describe(stmt) := {
	"layer": object.get(stmt, "layer", "identity"),
	"target": object.get(stmt, "target", null),
	"policy": stmt.policy,
	"statement": {"index": stmt.index, "sid": stmt.sid},
	"effect": stmt.effect,
	"resources": _resources(stmt),
	"condition": stmt.condition,
	"part": _part(stmt),
}

_resources(stmt) := stmt.resources if not stmt.uses_not_resource

_resources(stmt) := [sprintf("NotResource %s", [entry]) | some entry in stmt.not_resources] if stmt.uses_not_resource

# _part says what a statement does for the action: it allows or denies it,
# always or under its condition and resources, or (in a boundary or an SCP)
# leaves it within bounds.
_part(stmt) := "denies" if {
	stmt.effect == "Deny"
	iam.unconditional(stmt)
	iam.every_resource(stmt)
} else := "denies when its condition and resources match" if {
	stmt.effect == "Deny"
} else := "allows" if {
	object.get(stmt, "layer", "identity") == "identity"
	iam.unconditional(stmt)
} else := "allows when its condition holds" if {
	object.get(stmt, "layer", "identity") == "identity"
} else := "keeps it within bounds"

decision := "explicitly denied" if {
	action in roles.denied[index]
} else := "allowed" if {
	action in roles.effective[index]
	some stmt in statements
	stmt.part == "allows"
} else := "allowed when conditions hold" if {
	action in roles.effective[index]
} else := "not allowed"

documented := action in roles.documented[index]

contract_rows := sort([row.id |
	some row in contract.enabled_rows[roles.role_type[index]]
	action in contract.row_actions[row.id]
])

result := {
	"role": input.roles[index].name,
	"role_type": roles.role_type[index],
	"action": action,
	"decision": decision,
	"reason": roles.removal(index, action),
	"documented": documented,
	"contract_rows": contract_rows,
	"statements": statements,
}

# error says why there is no result: the role or the action is not known.
error := sprintf("role %s is not among the roles checked (is it classified?)", [_wanted.role]) if {
	count(_matching) == 0
} else := sprintf("role %s names several roles; give one ARN: %s", [_wanted.role, _arns]) if {
	count(_matching) > 1
} else := sprintf("%s is not one action of the catalog (a pattern or a typo?)", [_wanted.action]) if {
	not action
}

_arns := concat(", ", sort([object.get(input.roles[position], "arn", "") | some position in _matching]))
