# METADATA
# title: Trust policy admits the wrong principals
# description: |
#   Each role may be assumed only by the principal DSPM uses for it: the
#   orchestrator account (target and put evidence roles), the EC2 service
#   (instance profile roles), or the vendor's principal with an
#   sts:ExternalId condition (access, resource discovery and get evidence
#   roles). Anyone (`*`), NotPrincipal, or any other principal is a finding.
# custom:
#   check: trust-policy
#   id: DSPM-TRUST-001
#   severity: critical
#   remediation: |
#     Trust only the expected principal, and for the vendor require
#     {"StringEquals": {"sts:ExternalId": "EXTERNAL-ID"}}.
package dspm.checks.trust_policy

import data.dspm.lib.contract
import data.dspm.lib.finding
import data.dspm.lib.iam
import data.dspm.lib.roles

meta := finding.annotations(rego.metadata.chain())

# expectation is, per checked role, what its trust policy should admit.
expectation[index] := data.dspm.trust[roles.role_type[index]] if some index in roles.checked

# trust_statements lists the normalised Allow statements of a trust policy.
trust_statements[index] := [stmt |
	some position, raw in iam.statements(input.roles[index].trust_policy)
	object.get(raw, "Effect", "") == "Allow"
	stmt := object.union(
		iam.statement({"name": "trust policy"}, position, raw),
		{"principals": principals(raw), "not_principal": object.get(raw, "NotPrincipal", null)},
	)
] if {
	some index in roles.checked
	is_object(input.roles[index].trust_policy)
}

# principals flattens a Principal element into {type, value} pairs.
principals(raw) := [{"type": "*", "value": "*"}] if raw.Principal == "*"

principals(raw) := [{"type": type, "value": value} |
	some type, values in raw.Principal
	some value in iam.as_list(values)
] if {
	is_object(raw.Principal)
}

principals(raw) := [] if not "Principal" in object.keys(raw)

findings contains result if {
	some index, statements in trust_statements
	some stmt in statements
	some principal in stmt.principals
	principal.value == "*"
	severity := _anyone_severity(stmt)
	message := sprintf("%s lets anyone (*) assume the role%s", [_where(stmt), _condition_words(stmt)])
	result := _trust_finding(index, stmt, principal.value, severity, "DSPM-TRUST-001", message)
}

findings contains result if {
	some index, statements in trust_statements
	some stmt in statements
	stmt.not_principal != null
	excluded := concat(", ", [principal.value | some principal in principals({"Principal": stmt.not_principal})])
	message := sprintf("%s uses NotPrincipal: every principal but %s may assume the role", [_where(stmt), excluded])
	result := _trust_finding(index, stmt, sprintf("NotPrincipal %s", [excluded]), "critical", "DSPM-TRUST-001", message)
}

findings contains result if {
	some index, statements in trust_statements
	some stmt in statements
	some principal in stmt.principals
	principal.value != "*"
	_judged(expectation[index])
	not expected(expectation[index], principal)
	message := sprintf(
		"%s trusts %s principal %s; a %s role should trust only %s",
		[_where(stmt), principal.type, principal.value, roles.role_type[index], _expected_words(expectation[index])],
	)
	result := _trust_finding(index, stmt, principal.value, "high", "DSPM-TRUST-002", message)
}

findings contains result if {
	some index, statements in trust_statements
	expectation[index].external_id
	some stmt in statements
	some principal in stmt.principals
	_judged(expectation[index])
	expected(expectation[index], principal)
	not _external_id_pinned(stmt.condition)
	message := sprintf(
		"%s trusts the vendor principal %s without an sts:ExternalId condition%s",
		[_where(stmt), principal.value, _external_id_words],
	)
	result := _trust_finding(index, stmt, principal.value, "high", "DSPM-TRUST-003", message)
}

findings contains result if {
	some index, statements in trust_statements
	_judged(expectation[index])
	not _admits_expected(statements, expectation[index])
	result := finding.new(meta, roles.role_fields(index), {
		"rule_id": "DSPM-TRUST-004",
		"severity": "medium",
		"policy": "trust policy",
		"message": sprintf("the trust policy does not admit %s, so DSPM cannot assume the role", [_expected_words(expectation[index])]),
	})
}

_trust_finding(index, stmt, principal, severity, rule_id, message) := finding.new(
	meta,
	roles.role_fields(index),
	object.union(finding.statement_fields(stmt), {
		"rule_id": rule_id,
		"severity": severity,
		"action": concat(", ", stmt.actions),
		"resource": principal,
		"message": message,
	}),
)

_anyone_severity(stmt) := "critical" if iam.unconditional(stmt)

_anyone_severity(stmt) := "high" if not iam.unconditional(stmt)

_condition_words(stmt) := "" if iam.unconditional(stmt)

_condition_words(stmt) := ", narrowed only by its condition" if not iam.unconditional(stmt)

_admits_expected(statements, expectation) if {
	some stmt in statements
	some principal in stmt.principals
	expected(expectation, principal)
}

# Anyone includes the expected principal: that is reported as DSPM-TRUST-001.
_admits_expected(statements, _) if {
	some stmt in statements
	some principal in stmt.principals
	principal.value == "*"
}

# expected holds for a principal the role type's expectation admits.
expected(expectation, principal) if {
	expectation.principal == "service"
	principal.type == "Service"
	principal.value in expectation.services
}

expected(expectation, principal) if {
	expectation.principal == "orchestrator-account"
	principal.type == "AWS"
	account_of(principal.value) == input.params.orchestrator_account_id
}

expected(expectation, principal) if {
	expectation.principal == "vendor"
	principal.type == "AWS"
	some vendor in input.params.vendor_principals
	_same_principal(principal.value, vendor)
}

# _judged holds when the parameters say who the expected principal is; the
# unresolved check reports the parameter otherwise.
_judged(expectation) if expectation.principal == "service"

_judged(expectation) if {
	expectation.principal == "orchestrator-account"
	not contract.unset_parameter("orchestrator_account_id")
}

_judged(expectation) if {
	expectation.principal == "vendor"
	not contract.unset_parameter("vendor_principals")
}

# account_of is the account of an AWS principal: a bare account id or an ARN.
account_of(value) := value if regex.match(`^[0-9]{12}$`, value)

account_of(value) := iam.arn_account(value) if not regex.match(`^[0-9]{12}$`, value)

_same_principal(value, vendor) if value == vendor

_same_principal(value, vendor) if {
	regex.match(`^[0-9]{12}$`, value)
	vendor == sprintf("arn:aws:iam::%s:root", [value])
}

_same_principal(value, vendor) if {
	regex.match(`^[0-9]{12}$`, vendor)
	value == sprintf("arn:aws:iam::%s:root", [vendor])
}

_external_id_pinned(condition) if {
	some operator, block in condition
	lower(operator) == "stringequals"
	some key, value in block
	lower(key) == "sts:externalid"
	values := iam.as_list(value)
	count(values) > 0
	every candidate in values {
		_external_id_matches(candidate)
	}
}

_external_id_matches(_) if contract.unset_parameter("external_id")

_external_id_matches(candidate) if candidate == input.params.external_id

_external_id_words := "" if contract.unset_parameter("external_id")

_external_id_words := sprintf(" equal to %s", [input.params.external_id]) if not contract.unset_parameter("external_id")

_expected_words(expectation) := concat(", ", expectation.services) if expectation.principal == "service"

_expected_words(expectation) := sprintf("the orchestrator account %s", [input.params.orchestrator_account_id]) if {
	expectation.principal == "orchestrator-account"
}

_expected_words(expectation) := sprintf("the vendor principal %s", [concat(", ", input.params.vendor_principals)]) if {
	expectation.principal == "vendor"
}

_where(stmt) := sprintf("trust policy statement %d (%s)", [stmt.index, stmt.sid]) if stmt.sid != null

_where(stmt) := sprintf("trust policy statement %d", [stmt.index]) if stmt.sid == null
