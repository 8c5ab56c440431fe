# METADATA
# title: Input the checks cannot judge
# description: |
#   Fails closed where the input does not say enough: a managed policy or a
#   permissions boundary absent from the dump (AWS managed policies usually
#   are), a dump that is one page of a longer answer, a role whose name
#   matches several role types, a parameter a check needs that is not set, a
#   tag condition that depends on a policy variable or a request tag, or a
#   template value known only at deploy time (an import, a value computed by
#   another resource).
# custom:
#   check: unresolved
#   id: DSPM-UNRESOLVED-001
#   severity: high
#   remediation: |
#     Supply what is missing: a dump that includes the policy (or the policy
#     itself), every page of the dump, a narrower role-name glob, the
#     parameter named in the message, or the template parameter
#     (--cfn-parameters) that makes the value known.
package dspm.checks.unresolved

import data.dspm.checks.resource_scope
import data.dspm.checks.tag_scope
import data.dspm.lib.conditions
import data.dspm.lib.contract
import data.dspm.lib.finding
import data.dspm.lib.iam
import data.dspm.lib.roles

meta := finding.annotations(rego.metadata.chain())

findings contains result if {
	some index in roles.checked
	some policy in input.roles[index].policies
	reason := policy.unresolved
	name := _policy_name(policy)
	fields := {
		"policy": name,
		"message": sprintf("%s %s could not be read: %s", [_policy_kind[object.get(policy, "kind", "managed")], name, reason]),
	}
	result := finding.new(meta, roles.role_fields(index), object.union(fields, finding.located(object.get(policy, "location", null))))
}

findings contains result if {
	some index in roles.checked
	some entry in object.get(input.roles[index], "unresolved", [])
	fields := {
		"rule_id": "DSPM-UNRESOLVED-009",
		"policy": object.get(entry, "policy", null),
		"message": sprintf("%s could not be resolved: %s; the checks see it as an unknown value", [entry.what, entry.reason]),
	}
	result := finding.new(meta, roles.role_fields(index), object.union(fields, finding.located(object.get(entry, "location", null))))
}

findings contains result if {
	some index in roles.checked
	boundary := input.roles[index].permissions_boundary
	reason := boundary.unresolved
	result := finding.new(meta, roles.role_fields(index), {
		"rule_id": "DSPM-UNRESOLVED-002",
		"policy": boundary.arn,
		"message": sprintf("permissions boundary %s could not be read: %s", [boundary.arn, reason]),
	})
}

findings contains result if {
	some index in roles.checked
	some scp in object.get(input.roles[index], "scps", [])
	reason := scp.unresolved
	name := object.get(scp, "name", object.get(scp, "target", "an SCP"))
	result := finding.new(meta, roles.role_fields(index), {
		"rule_id": "DSPM-UNRESOLVED-007",
		"policy": name,
		"message": sprintf("service control policy %s could not be read: %s; the role's effective permissions are not known", [name, reason]),
	})
}

findings contains result if {
	some source in input.sources
	source.truncated == true
	result := finding.new(meta, {"source": source.path}, {
		"rule_id": "DSPM-UNRESOLVED-003",
		"message": sprintf("%s is one page of a longer answer (IsTruncated); roles and policies on other pages are not checked", [source.path]),
	})
}

findings contains result if {
	some index, types in roles.ambiguous
	role := input.roles[index]
	result := finding.new(meta, {
		"role": role.name,
		"arn": object.get(role, "arn", null),
		"account": object.get(role, "account", null),
		"source": object.get(role, "source", null),
		"location": object.get(role, "location", null),
	}, {
		"rule_id": "DSPM-UNRESOLVED-004",
		"message": sprintf("role name %s matches the globs of several role types (%s); it is not checked", [role.name, concat(", ", sort(types))]),
	})
}

findings contains result if {
	some index in roles.checked
	some class in contract.role_scopes[roles.role_type[index]]
	contract.unset_scope(class)
	parameter := contract.scope_parameters[class]
	result := finding.new(meta, roles.role_fields(index), {
		"rule_id": "DSPM-UNRESOLVED-005",
		"message": sprintf("parameter %s is not set, so the %s scope of this role cannot be checked", [parameter, class]),
	})
}

findings contains result if {
	some index in roles.checked
	is_object(input.roles[index].trust_policy)
	parameter := _trust_parameter[data.dspm.trust[roles.role_type[index]].principal]
	contract.unset_parameter(parameter)
	result := finding.new(meta, roles.role_fields(index), {
		"rule_id": "DSPM-UNRESOLVED-005",
		"policy": "trust policy",
		"message": sprintf("parameter %s is not set, so the trust policy cannot be checked", [parameter]),
	})
}

findings contains result if {
	some [index, position, entry], grouped in tag_scope.verdicts
	actions := grouped.unresolved
	stmt := roles.statements[index][position]
	listed := finding.sorted_list(actions)
	needs := concat(", ", sort(conditions.needs(stmt.condition, listed[0], input.params.dspm_tag)))
	result := finding.new(meta, roles.role_fields(index), object.union(finding.statement_fields(stmt), {
		"rule_id": "DSPM-UNRESOLVED-006",
		"action": iam.entry_label(stmt, entry),
		"actions": listed,
		"message": sprintf(
			"%s in %s scopes %d tag-scoped action(s) by a condition that depends on %s, which the input does not give",
			[iam.entry_label(stmt, entry), finding.where(stmt), count(actions), needs],
		),
	}))
}

findings contains result if {
	some index in roles.checked
	some position, stmt in roles.statements[index]
	stmt.effect == "Allow"
	some resource in stmt.resources
	resource_scope.has_variable(resource)
	scoped := roles.granted[index][position] & roles.documented[index]
	count(scoped) > 0
	result := finding.new(meta, roles.role_fields(index), object.union(finding.statement_fields(stmt), {
		"rule_id": "DSPM-UNRESOLVED-008",
		"actions": finding.sorted_list(scoped),
		"resource": resource,
		"message": sprintf(
			"%s in %s names a policy variable: which resources it reaches depends on the request, so its scope cannot be checked",
			[resource, finding.where(stmt)],
		),
	}))
}

# _policy_name names a policy by its ARN, or by its name where it has none
# (an inline policy, a template's policy whose account is unknown).
_policy_name(policy) := policy.arn if {
	is_string(object.get(policy, "arn", null))
} else := policy.name

_policy_kind := {"managed": "managed policy", "inline": "inline policy"}

_trust_parameter := {"orchestrator-account": "orchestrator_account_id", "vendor": "vendor_principals"}
