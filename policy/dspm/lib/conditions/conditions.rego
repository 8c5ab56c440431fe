# METADATA
# title: Conditions that scope by resource tag
# description: |
#   Decides, for one action of one statement, whether the statement's
#   Condition can hold only on resources that carry the DSPM tag, reading the
#   catalog for the tag condition keys each action supports.
package dspm.lib.conditions

import data.dspm.lib.iam

# tag_key_prefixes lists the resource-tag condition key prefixes the catalog
# says apply to an action (aws:resourcetag/, rds:snapshot-tag/...).
tag_key_prefixes(action) := {prefix |
	parts := split(action, ":")
	facts := data.dspm.catalog.facts.actions[lower(parts[0])][lower(parts[1])]
	some prefix in facts.tag_keys
}

# operator splits a condition operator into its parts, lower-case:
# the set qualifier (forallvalues, foranyvalue or ""), the base operator and
# whether it ends in IfExists.
operator(name) := {
	"qualifier": qualifier,
	"base": trim_suffix(rest, "ifexists"),
	"if_exists": endswith(rest, "ifexists"),
} if {
	lowered := lower(name)
	qualifier := _qualifier(lowered)
	rest := trim_prefix(lowered, sprintf("%s:", [qualifier]))
}

_qualifier(lowered) := "forallvalues" if startswith(lowered, "forallvalues:")

_qualifier(lowered) := "foranyvalue" if startswith(lowered, "foranyvalue:")

_qualifier(lowered) := "" if {
	not startswith(lowered, "forallvalues:")
	not startswith(lowered, "foranyvalue:")
}

# tag_uses lists every use of the configured tag key in a condition: one
# object per (operator, key) pair naming the key's prefix and the values.
tag_uses(condition, tag_key) := [use |
	some name, block in condition
	is_object(block)
	some key, value in block
	lowered := lower(key)
	contains(lowered, "tag/")
	parts := split(lowered, "tag/")
	parts[1] == lower(tag_key)
	use := {
		"operator": operator(name),
		"operator_name": name,
		"key": key,
		"prefix": concat("", [parts[0], "tag/"]),
		"values": iam.as_list(value),
	}
]

# verdict says what a statement's condition does for one tag-scoped action:
# "pinned" (only tagged resources), "unresolved" (it depends on a policy
# variable or a request tag the input cannot give), "never-matches" (it uses
# a tag key the action does not support, so the grant never applies), or
# "unpinned" (untagged resources can pass).
verdict(condition, action, tag) := "pinned" if {
	some use in tag_uses(condition, tag.key)
	_pins(use, action, tag.value)
} else := "unresolved" if {
	count(needs(condition, action, tag)) > 0
} else := "never-matches" if {
	some use in tag_uses(condition, tag.key)
	_restricting(use.operator)
	not use.prefix in tag_key_prefixes(action)
} else := "unpinned"

# needs lists the context keys a verdict would depend on: policy variables in
# the values of an otherwise pinning use, and request-tag keys.
needs(condition, action, tag) := {need |
	some use in tag_uses(condition, tag.key)
	_restricting(use.operator)
	use.prefix in tag_key_prefixes(action)
	some value in use.values
	is_string(value)
	some need in regex.find_n(`\$\{[^}]*\}`, value, -1)
} | {key |
	some use in tag_uses(condition, tag.key)
	use.prefix == "aws:requesttag/"
	key := use.key
}

# reason explains, in words, why a statement does not pin the tag.
reason(condition, action, tag) := sprintf("%s on %s does not restrict: %s", [use.operator_name, use.key, _weakness(use, action, tag.value)]) if {
	uses := [use | some use in tag_uses(condition, tag.key); not _pins(use, action, tag.value)]
	count(uses) > 0
	use := uses[0]
} else := sprintf("no condition on the %s tag", [tag.key])

_weakness(use, action, value) := "IfExists passes for resources without the tag" if {
	use.operator.if_exists
} else := "ForAllValues passes when the tag is absent" if {
	use.operator.qualifier == "forallvalues"
} else := sprintf("%s is not a string equality test", [use.operator_name]) if {
	not use.operator.base in _equalities
} else := sprintf("the catalog gives %s no %s key", [action, use.prefix]) if {
	not use.prefix in tag_key_prefixes(action)
} else := sprintf("its values do not all equal %s", [value])

_equalities := {"stringequals", "stringequalsignorecase", "stringlike"}

# _restricting holds for operators that fail when the key is absent.
_restricting(operator) if {
	operator.base in _equalities
	not operator.if_exists
	operator.qualifier != "forallvalues"
}

_pins(use, action, value) if {
	_restricting(use.operator)
	use.prefix in tag_key_prefixes(action)
	_all_match(use, value)
}

_all_match(use, value) if {
	count(use.values) > 0
	every candidate in use.values {
		_matches(use.operator.base, candidate, value)
	}
}

_matches("stringequals", candidate, value) if candidate == value

_matches("stringequalsignorecase", candidate, value) if {
	is_string(candidate)
	lower(candidate) == lower(value)
}

_matches("stringlike", candidate, value) if {
	is_string(candidate)
	iam.glob_matches(candidate, value)
}
