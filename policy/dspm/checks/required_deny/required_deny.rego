# METADATA
# title: Required explicit Deny is missing
# description: |
#   The contract documents explicit Deny rows (the resource discovery role must
#   never read S3 objects or DynamoDB items). Each denied action must be
#   covered by a Deny statement that applies to every resource and carries no
#   condition; a Deny through a wildcard counts, a conditional or narrowed one
#   does not.
# custom:
#   check: required-deny
#   id: DSPM-DENY-001
#   severity: critical
#   remediation: |
#     Add a statement {"Effect": "Deny", "Action": [...], "Resource": "*"}
#     without a Condition that names every action the contract denies.
package dspm.checks.required_deny

import data.dspm.lib.contract
import data.dspm.lib.finding
import data.dspm.lib.iam
import data.dspm.lib.roles

meta := finding.annotations(rego.metadata.chain())

findings contains result if {
	some index in roles.checked
	some row in contract.denied_rows[roles.role_type[index]]
	some action in contract.row_actions[row.id]

	not _denied(index, action)

	result := finding.new(meta, roles.role_fields(index), {
		"action": row.action,
		"actions": [action],
		"resource": "*",
		"message": sprintf(
			"%s is not denied on every resource without a condition, as contract row %s requires",
			[action, row.id],
		),
	})
}

_denied(index, action) if {
	some position, stmt in roles.statements[index]
	stmt.effect == "Deny"
	iam.unconditional(stmt)
	iam.every_resource(stmt)
	action in roles.granted[index][position]
}
