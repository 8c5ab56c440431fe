# METADATA
# title: The roles under check
# description: |
#   Classifies each input role by its role type (named by the user, or matched
#   against the name globs of input.params.roles), flattens its policies into
#   normalised statements and works out what it is allowed to do.
package dspm.lib.roles

import data.dspm.lib.contract
import data.dspm.lib.iam

# candidate_types lists, per role index, the role types whose globs match the
# role's name, or the one type the user named. A role that matches no glob
# has no entry.
candidate_types[index] := {named} if {
	some index, role in input.roles
	named := object.get(role, "role_type", null)
	named != null
}

candidate_types[index] := types if {
	some index in _glob_matched
	name := lower(input.roles[index].name)
	types := {role_type |
		some [role_type, prepared] in _name_globs
		iam.prepared_matches(prepared, name)
	}
}

# _glob_matched lists the roles without a named type whose name matches some
# role-name glob. Most roles of an account match none: one regular expression
# made of all the globs, as alternatives, rules those out in one match each.
# (OPA's glob alternatives would not do: they miss matches when alternatives
# hold several wildcards.)
_glob_matched contains index if {
	some index, role in input.roles
	object.get(role, "role_type", null) == null
	regex.match(_any_name_pattern, lower(role.name))
}

# _name_globs holds every role-name glob of the parameters, prepared once for
# all the roles it is tried against.
_name_globs := [[role_type, iam.prepare(pattern)] |
	some role_type, globs in input.params.roles
	some pattern in globs
]

# _any_name_pattern is a regular expression that matches a lowered name when
# any role-name glob does: `*` is any text, `?` one character, and every
# other character stands for itself.
_any_name_pattern := concat("", ["^(?:", concat("|", [iam.glob_regex(lower(pattern)) |
	some _, globs in input.params.roles
	some pattern in globs
]), ")$"])

# role_type is the role type of each role classified without ambiguity.
role_type[index] := role_type if {
	some index, types in candidate_types
	count(types) == 1
	some role_type in types
}

# ambiguous lists the roles whose name matches several role types.
ambiguous[index] := types if {
	some index, types in candidate_types
	count(types) > 1
}

# checked lists the index of every role the checks look at.
checked contains index if some index, _ in role_type

# statements lists every statement of a role's resolved policies.
statements[index] := [stmt |
	some policy in input.roles[index].policies
	document := policy.document
	some position, raw in iam.statements(document)
	stmt := iam.statement(policy, position, raw)
] if {
	some index in checked
}

# bounds lists the statements of the policies that limit a role without
# granting anything: its permissions boundary and the Service Control
# Policies that apply to its account. Each SCP names its target (the root,
# an OU or the account): an action must be allowed at every target.
bounds[index] := [stmt |
	some layer in _bounding_policies(input.roles[index])
	some position, raw in iam.statements(layer.policy.document)
	stmt := object.union(iam.statement(layer.policy, position, raw), {"layer": layer.layer, "target": layer.target})
] if {
	some index in checked
}

_bounding_policies(role) := array.concat(
	[{"layer": "boundary", "target": "boundary", "policy": boundary} |
		boundary := object.get(role, "permissions_boundary", null)
		is_object(boundary)
		is_object(boundary.document)
	],
	[{"layer": "scp", "target": object.get(scp, "target", "account"), "policy": scp} |
		some scp in object.get(role, "scps", [])
		is_object(scp.document)
	],
)

# expansions maps each distinct action entry of the checked roles to the
# catalog actions it matches, so that each pattern is expanded once.
expansions := {pattern: iam.expand(pattern) | some pattern in _patterns}

_patterns contains pattern if {
	some index in checked
	some stmt in array.concat(statements[index], bounds[index])
	some pattern in array.concat(stmt.actions, stmt.not_actions)
}

# granted lists, per role and aligned with its statements, the set of
# catalog actions each statement names (NotAction turned into its complement).
granted[index] := [statement_actions(stmt) | some stmt in statements[index]] if some index in checked

# statement_actions is the set of catalog actions a statement names.
statement_actions(stmt) := iam.all_actions - _union(stmt.not_actions) if stmt.uses_not_action

statement_actions(stmt) := _union(stmt.actions) if not stmt.uses_not_action

_union(patterns) := union({expansions[pattern] | some pattern in patterns})

# entry_actions is the set of catalog actions one entry of a statement names;
# for a NotAction statement it is the statement's whole complement.
entry_actions(index, position, entry) := granted[index][position] if {
	statements[index][position].uses_not_action
} else := expansions[entry]

# allowed is every action an Allow statement of the role's own policies
# grants, with or without a condition. The sets are joined by union(), which
# is many times faster than adding their actions one by one.
allowed[index] := union({granted[index][position] |
	some position, stmt in statements[index]
	stmt.effect == "Allow"
}) if {
	some index in checked
}

# bound_targets lists, per role, the targets that limit it (the boundary,
# each SCP target), each with the set of actions it allows.
bound_targets[index] := {target: actions |
	some stmt in bounds[index]
	target := stmt.target
	actions := union({statement_actions(other) |
		some other in bounds[index]
		other.target == target
		other.effect == "Allow"
	})
} if {
	some index in checked
}

# bounded is what every boundary and SCP target allows; without any of them,
# nothing is bounded.
bounded[index] := allowed[index] if {
	some index in checked
	count(bound_targets[index]) == 0
}

bounded[index] := allowed[index] & intersection({actions | some _, actions in bound_targets[index]}) if {
	some index in checked
	count(bound_targets[index]) > 0
}

# denied is every action an unconditional Deny on all resources removes, in
# the role's own policies, its boundary or an SCP.
denied[index] := union({statement_actions(stmt) |
	some stmt in array.concat(statements[index], bounds[index])
	stmt.effect == "Deny"
	iam.unconditional(stmt)
	iam.every_resource(stmt)
}) if {
	some index in checked
}

# effective is what the role can do: allowed by its own policies, within its
# boundary and every SCP, less the unconditional Denies.
effective[index] := bounded[index] - denied[index]

# removal says which layer takes an action away from a role, in words, or
# "" when the role may perform it.
removal(index, action) := "no identity policy allows it" if {
	not action in allowed[index]
} else := sprintf("the %s does not allow it", _blocking(index, action)) if {
	count(_blocking(index, action)) == 1
} else := sprintf("neither the %s allows it", [concat(" nor the ", _blocking(index, action))]) if {
	count(_blocking(index, action)) > 1
} else := sprintf("%s denies it", [_deny_words(index, action)]) if {
	action in denied[index]
} else := ""

_blocking(index, action) := [_target_words(target) |
	some target in sort(object.keys(bound_targets[index]))
	not action in bound_targets[index][target]
]

_target_words("boundary") := "permissions boundary"

_target_words(target) := sprintf("SCP attached to %s", [target]) if target != "boundary"

_deny_words(index, action) := concat(", ", sort({words |
	some stmt in array.concat(statements[index], bounds[index])
	stmt.effect == "Deny"
	iam.unconditional(stmt)
	iam.every_resource(stmt)
	action in statement_actions(stmt)
	words := sprintf("statement %d of %s %s", [stmt.index, object.get(stmt, "layer", "policy"), stmt.policy])
}))

# documented is what the contract documents for the role's type.
documented[index] := contract.documented[role_type[index]]

# role_fields are the fields every finding about a role carries.
role_fields(index) := {
	"role_type": role_type[index],
	"role": role.name,
	"arn": object.get(role, "arn", null),
	"account": object.get(role, "account", null),
	"source": object.get(role, "source", null),
	"location": object.get(role, "location", null),
} if {
	role := input.roles[index]
}
