# METADATA
# title: Tag-scoped action granted without the DSPM tag condition
# description: |
#   Actions the contract limits to resources created by DSPM must be allowed
#   only under a condition that can hold only on resources carrying the
#   configured tag: StringEquals, StringEqualsIgnoreCase or StringLike (or
#   their ForAnyValue forms) on aws:ResourceTag/KEY or a service's own tag key,
#   where the catalog says that key applies to the action. IfExists, Null and
#   ForAllValues pass for untagged resources and do not scope.
# custom:
#   check: tag-scope
#   id: DSPM-TAG-001
#   severity: high
#   remediation: |
#     Move the action into a statement whose Condition is
#     {"StringEquals": {"aws:ResourceTag/KEY": "VALUE"}} with the DSPM tag, using
#     a tag key the action supports.
package dspm.checks.tag_scope

import data.dspm.lib.conditions
import data.dspm.lib.contract
import data.dspm.lib.finding
import data.dspm.lib.iam
import data.dspm.lib.roles

meta := finding.annotations(rego.metadata.chain())

_tag := input.params.dspm_tag

# verdicts groups, per statement entry of a checked role, the tag-scoped
# actions it grants by what its condition does for them.
verdicts[[index, position, entry]] := grouped if {
	some index in roles.checked
	tagged := contract.tagged[roles.role_type[index]]
	some position, stmt in roles.statements[index]
	stmt.effect == "Allow"
	in_statement := (roles.granted[index][position] & tagged) & roles.effective[index]
	count(in_statement) > 0
	some entry in iam.action_entries(stmt)
	candidates := roles.entry_actions(index, position, entry) & in_statement
	count(candidates) > 0
	grouped := _grouped(stmt.condition, candidates)
}

# _grouped groups actions by what a condition does for each: the verdict of
# each action is worked out once. Without a condition, every action is
# unpinned.
_grouped(condition, actions) := {"unpinned": actions} if {
	count(condition) == 0
} else := {verdict: grouped |
	verdicts := {[action, conditions.verdict(condition, action, _tag)] | some action in actions}
	some verdict in {verdict | some [_, verdict] in verdicts}
	grouped := {action | some [action, verdict] in verdicts}
}

findings contains result if {
	some [index, position, entry], grouped in verdicts
	unpinned := grouped.unpinned
	stmt := roles.statements[index][position]
	listed := finding.sorted_list(unpinned)
	result := _finding(index, stmt, entry, listed, {
		"message": sprintf(
			"%s in %s allows %d tag-scoped action(s) on resources without the tag %s=%s (%s)",
			[iam.entry_label(stmt, entry), finding.where(stmt), count(unpinned), _tag.key, _tag.value, conditions.reason(stmt.condition, listed[0], _tag)],
		),
	})
}

findings contains result if {
	some [index, position, entry], grouped in verdicts
	broken := grouped["never-matches"]
	stmt := roles.statements[index][position]
	listed := finding.sorted_list(broken)
	result := _finding(index, stmt, entry, listed, {
		"rule_id": "DSPM-TAG-002",
		"severity": "medium",
		"message": sprintf(
			"%s in %s conditions %d action(s) on a tag key they do not support (%s): the condition never holds, so the grant does nothing",
			[iam.entry_label(stmt, entry), finding.where(stmt), count(broken), conditions.reason(stmt.condition, listed[0], _tag)],
		),
	})
}

_finding(index, stmt, entry, actions, fields) := finding.new(meta, roles.role_fields(index), object.union_n([
	finding.statement_fields(stmt),
	{"action": iam.entry_label(stmt, entry), "actions": actions, "resource": concat(", ", stmt.resources)},
	fields,
]))
