# METADATA
# title: Action allowed beyond the documented set
# description: |
#   A role may be allowed only the actions its contract table documents for
#   the enabled features. Wildcards and NotAction are expanded against the
#   catalog of real IAM actions; actions removed by an unconditional Deny on
#   every resource do not count. A conditional Allow still counts: the
#   condition may hold.
# custom:
#   check: excess-permission
#   id: DSPM-EXCESS-001
#   severity: high
#   remediation: |
#     Remove the action, or narrow the pattern to the documented actions; use
#     an explicit Deny only where the grant comes from a policy you cannot edit.
package dspm.checks.excess_permission

import data.dspm.lib.finding
import data.dspm.lib.iam
import data.dspm.lib.roles

meta := finding.annotations(rego.metadata.chain())

findings contains result if {
	some index in roles.checked
	undocumented := roles.effective[index] - roles.documented[index]
	count(undocumented) > 0
	some position, stmt in roles.statements[index]
	stmt.effect == "Allow"
	in_statement := roles.granted[index][position] & undocumented
	count(in_statement) > 0
	some entry in iam.action_entries(stmt)

	excess := roles.entry_actions(index, position, entry) & in_statement
	count(excess) > 0
	listed := finding.sorted_list(excess)

	result := finding.new(meta, roles.role_fields(index), object.union(finding.statement_fields(stmt), {
		"action": iam.entry_label(stmt, entry),
		"actions": listed,
		"resource": concat(", ", _resources(stmt)),
		"message": sprintf(
			"%s in %s allows %d action(s) the %s contract does not document, such as %s",
			[iam.entry_label(stmt, entry), finding.where(stmt), count(excess), roles.role_type[index], listed[0]],
		),
	}))
}

_resources(stmt) := stmt.resources if not stmt.uses_not_resource

_resources(stmt) := [sprintf("NotResource %s", [concat(", ", stmt.not_resources)])] if stmt.uses_not_resource
