# METADATA
# title: Tag-scoped action granted without the DSPM tag condition
# description: |
#   Actions the contract limits to resources created by DSPM must be allowed
#   only under a condition that pins the resource tag (aws:ResourceTag/KEY or
#   the service's own SERVICE:ResourceTag/KEY) to the configured key and value.
# custom:
#   check: tag-scope
#   id: DSPM-TAG-001
#   severity: high
#   remediation: |
#     Move the action into a statement whose Condition is
#     {"StringEquals": {"aws:ResourceTag/KEY": "VALUE"}} with the DSPM tag.
package dspm.checks.tag_scope

import data.dspm.lib.contract
import data.dspm.lib.finding
import data.dspm.lib.iam
import data.dspm.lib.roles

meta := finding.annotations(rego.metadata.chain())

_tag := input.params.dspm_tag

findings contains result if {
	some index in roles.checked
	some position, stmt in roles.statements[index]
	stmt.effect == "Allow"
	some entry in iam.action_entries(stmt)

	candidates := (roles.entry_actions(index, position, entry) & contract.tagged[roles.role_type[index]]) & roles.effective[index]
	count(candidates) > 0
	unpinned := {action | some action in candidates; not pins_tag(stmt.condition, action, _tag)}
	count(unpinned) > 0

	result := finding.new(meta, roles.role_fields(index), object.union(finding.statement_fields(stmt), {
		"action": iam.entry_label(stmt, entry),
		"actions": finding.sorted_list(unpinned),
		"resource": concat(", ", stmt.resources),
		"message": sprintf(
			"%s in %s allows %d tag-scoped action(s) without a condition pinning %s=%s",
			[iam.entry_label(stmt, entry), finding.where(stmt), count(unpinned), _tag.key, _tag.value],
		),
	}))
}

# pins_tag holds when a condition block can only be met by resources that
# carry the tag, for this action's service.
pins_tag(condition, action, tag) if {
	some operator, block in condition
	lower(operator) in {"stringequals", "stringequalsignorecase", "stringlike"}
	some key, value in block
	lower(key) in _tag_keys(action, tag.key)
	values := iam.as_list(value)
	count(values) > 0
	every candidate in values {
		_value_pins(lower(operator), candidate, tag.value)
	}
}

_tag_keys(action, key) := {
	sprintf("aws:resourcetag/%s", [lower(key)]),
	sprintf("%s:resourcetag/%s", [iam.service_of(action), lower(key)]),
}

_value_pins("stringequals", candidate, value) if candidate == value

_value_pins("stringequalsignorecase", candidate, value) if lower(candidate) == lower(value)

# Limitation: a StringLike value pins the tag only when it has no wildcard;
# a pattern such as "tr*" also admits other values and is not accepted.
_value_pins("stringlike", candidate, value) if candidate == value
