# METADATA
# title: Documented permission is not allowed
# description: |
#   Every action a contract row documents for the enabled features must be
#   allowed, or DSPM breaks where it needs it. An action counts as allowed
#   when some Allow statement grants it and no unconditional Deny on every
#   resource removes it.
# custom:
#   check: missing-permission
#   id: DSPM-MISSING-001
#   severity: medium
#   remediation: |
#     Allow the action with the scope the contract documents, or switch off
#     the feature that needs it in the parameters if it is not used.
package dspm.checks.missing_permission

import data.dspm.lib.contract
import data.dspm.lib.finding
import data.dspm.lib.roles

meta := finding.annotations(rego.metadata.chain())

findings contains result if {
	some index in roles.checked
	some row in contract.enabled_rows[roles.role_type[index]]
	row.effect == "Allow"

	missing := contract.row_actions[row.id] - roles.effective[index]
	count(missing) > 0
	first := finding.sorted_list(missing)[0]

	result := finding.new(meta, roles.role_fields(index), {
		"action": row.action,
		"actions": finding.sorted_list(missing),
		"message": sprintf(
			"%s (contract row %s) is not allowed: %d action(s) missing, such as %s (%s)%s",
			[row.action, row.id, count(missing), first, roles.removal(index, first), _caveat(index)],
		),
	})
}

_caveat(index) := "; the role has unresolved policies that may allow it" if {
	some policy in input.roles[index].policies
	policy.unresolved
} else := ""
