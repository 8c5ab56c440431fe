# METADATA
# title: Action or pattern matches no real IAM action
# description: |
#   An Allow statement names an action, or a pattern, that matches nothing in
#   the catalog of real IAM actions: a typo (often copied from documentation)
#   or an action AWS has removed. It grants nothing, so the permission it was
#   meant to give is probably missing.
# custom:
#   check: unknown-action
#   id: DSPM-UNKNOWN-001
#   severity: medium
#   remediation: |
#     Correct the action name against the AWS Service Authorization Reference,
#     or remove it.
package dspm.checks.unknown_action

import data.dspm.lib.finding
import data.dspm.lib.iam
import data.dspm.lib.roles

meta := finding.annotations(rego.metadata.chain())

findings contains result if {
	some index in roles.checked
	some stmt in roles.statements[index]
	stmt.effect == "Allow"
	some entry in array.concat(stmt.actions, stmt.not_actions)

	count(roles.expansions[entry]) == 0

	result := finding.new(meta, roles.role_fields(index), object.union(finding.statement_fields(stmt), {
		"action": entry,
		"message": sprintf(
			"%s in %s matches no action in the IAM catalog",
			[entry, finding.where(stmt)],
		),
	}))
}
