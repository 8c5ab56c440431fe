package dspm.checks.required_deny_test

import data.dspm.checks.required_deny
import data.dspm.lib.fixtures

_denied := ["s3:GetObject", "dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"]

_allow := fixtures.allow(["logs:ListLogDeliveries"], "*")

_findings(statements) := result if {
	result := required_deny.findings with input as fixtures.input_for("resource-discovery", statements)
}

_actions(findings) := {action | some result in findings; some action in result.actions}

test_success_explicit_deny if {
	count(_findings([_allow, fixtures.denial(_denied, "*")])) == 0
}

test_success_deny_through_wildcards if {
	count(_findings([_allow, fixtures.denial(["s3:Get*", "dynamodb:*"], "*")])) == 0
}

test_success_deny_upper_case_single_string if {
	statements := [_allow, fixtures.denial("S3:GETOBJECT", "*"), fixtures.denial(["DYNAMODB:*"], ["*"])]
	count(_findings(statements)) == 0
}

test_success_single_statement_object if {
	result := required_deny.findings with input as fixtures.input_with(
		fixtures.role("resource-discovery", {"Effect": "Deny", "Action": "*", "Resource": "*"}),
		fixtures.params,
	)
	count(result) == 0
}

test_success_other_role_types_need_no_deny if {
	count(required_deny.findings) == 0 with input as fixtures.input_for("target", [_allow])
}

test_fail_no_deny if {
	result := _findings([_allow])
	_actions(result) == {"s3:GetObject", "dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"}
	count(result) == 5
}

test_fail_whole_finding if {
	result := _findings([_allow, fixtures.denial(["dynamodb:*"], "*")])
	result == {object.union(fixtures.role_fields("resource-discovery"), {
		"check": "required-deny",
		"rule_id": "DSPM-DENY-001",
		"severity": "critical",
		"title": "Required explicit Deny is missing",
		"policy": null,
		"statement": null,
		"action": "s3:GetObject",
		"actions": ["s3:GetObject"],
		"resource": "*",
		"message": "s3:GetObject is not denied on every resource without a condition, as contract row resource-discovery-r11 requires",
		"remediation": required_deny.meta.custom.remediation,
	})}
}

test_fail_deny_with_condition if {
	conditional := object.union(fixtures.denial(_denied, "*"), {"Condition": {"Bool": {"aws:SecureTransport": "false"}}})
	count(_findings([_allow, conditional])) == 5
}

test_fail_deny_on_narrowed_resource if {
	count(_findings([_allow, fixtures.denial(_denied, ["arn:aws:s3:::some-bucket/*"])])) == 5
}

test_fail_deny_with_not_resource if {
	statement := {"Effect": "Deny", "Action": _denied, "NotResource": "arn:aws:s3:::open/*"}
	count(_findings([_allow, statement])) == 5
}

test_fail_deny_through_not_action_excluding_get_object if {
	statement := {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}
	_actions(_findings([_allow, statement])) == {"s3:GetObject"}
}

test_fail_allow_is_no_deny if {
	count(_findings([fixtures.allow(_denied, "*")])) == 5
}
