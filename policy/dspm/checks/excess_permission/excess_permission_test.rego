package dspm.checks.excess_permission_test

import data.dspm.checks.excess_permission
import data.dspm.lib.fixtures

_findings(role_type, statements) := result if {
	result := excess_permission.findings with input as fixtures.input_for(role_type, statements)
}

_actions(findings) := {action | some result in findings; some action in result.actions}

test_success_documented_actions if {
	statements := [fixtures.allow(["s3:GetObject", "s3:GetObjectAcl", "s3:ListBucket"], "*")]
	count(_findings("get-evidence", statements)) == 0
}

test_success_corrected_erratum if {
	statements := [fixtures.allow(["kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"], "*")]
	count(_findings("put-evidence", statements)) == 0
}

test_success_documented_wildcard if {
	count(_findings("orchestrator", [fixtures.allow(["ec2:Describe*", "kms:ReEncrypt*"], "*")])) == 0
}

test_success_overriding_deny if {
	statements := [fixtures.allow("s3:*", "*"), fixtures.denial("s3:*", "*"), fixtures.allow("s3:GetObject", "*")]
	count(_findings("get-evidence", statements)) == 0
}

test_success_upper_case_single_statement if {
	result := excess_permission.findings with input as fixtures.input_with(
		fixtures.role("get-evidence", {"Effect": "Allow", "Action": "S3:GETOBJECT", "Resource": "*"}),
		fixtures.params,
	)
	count(result) == 0
}

test_success_disabled_feature_row_is_not_documented if {
	parameters := object.union(fixtures.params, {"features": object.union(fixtures.params.features, {"custom_network": true})})
	result := excess_permission.findings with input as fixtures.input_with(
		fixtures.role("orchestrator", [fixtures.allow("tiros:CreateQuery", "*")]),
		parameters,
	)
	count(result) == 0
}

test_fail_whole_finding if {
	_findings("get-evidence", [fixtures.allow(["s3:GetObject", "s3:PutObject"], "*")]) == {object.union(fixtures.role_fields("get-evidence"), {
		"check": "excess-permission",
		"rule_id": "DSPM-EXCESS-001",
		"severity": "high",
		"title": "Action allowed beyond the documented set",
		"policy": "inline",
		"statement": {"index": 0, "sid": null},
		"action": "s3:PutObject",
		"actions": ["s3:PutObject"],
		"resource": "*",
		"message": "s3:PutObject in statement 0 of policy inline allows 1 action(s) the get-evidence contract does not document, such as s3:PutObject",
		"remediation": excess_permission.meta.custom.remediation,
	})}
}

test_fail_feature_switched_off if {
	count(_findings("orchestrator", [fixtures.allow("tiros:CreateQuery", "*")])) == 1
}

test_fail_service_wildcard if {
	result := _findings("target", [fixtures.allow("s3:*", "*")])
	"s3:DeleteBucket" in _actions(result)
	not "s3:GetObject" in _actions(result)
}

test_fail_not_action if {
	statement := {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
	result := _findings("scanner", [statement])
	{r.action | some r in result} == {"NotAction iam:*", "NotAction organizations:*"}
	"ec2:RunInstances" in _actions(result)
	not "iam:PassRole" in _actions(result)
}

test_fail_conditional_deny_does_not_subtract if {
	conditional := object.union(fixtures.denial("s3:PutObject", "*"), {"Condition": {"Bool": {"aws:SecureTransport": "false"}}})
	count(_findings("get-evidence", [fixtures.allow("s3:PutObject", "*"), conditional])) == 1
}

test_fail_narrow_deny_does_not_subtract if {
	statements := [fixtures.allow("s3:PutObject", "*"), fixtures.denial("s3:PutObject", "arn:aws:s3:::x/*")]
	count(_findings("get-evidence", statements)) == 1
}

test_fail_conditional_allow_still_counts if {
	statement := object.union(fixtures.allow("s3:PutObject", "*"), {"Condition": {"Bool": {"aws:SecureTransport": "true"}}})
	count(_findings("get-evidence", [statement])) == 1
}

test_fail_discovery_allowing_what_it_must_deny if {
	_actions(_findings("resource-discovery", [fixtures.allow("dynamodb:GetItem", "*")])) == {"dynamodb:GetItem"}
}

test_success_excess_removed_by_boundary if {
	role := object.union(fixtures.role("get-evidence", [fixtures.allow("s3:*", "*")]), {"permissions_boundary": {
		"arn": "arn:aws:iam::222222222222:policy/boundary",
		"document": {"Statement": [fixtures.allow(["s3:GetObject", "s3:GetObjectAcl", "s3:ListBucket"], "*")]},
	}})
	count(excess_permission.findings) == 0 with input as fixtures.input_with(role, fixtures.params)
}

test_fail_boundary_allowing_more_removes_nothing if {
	role := object.union(fixtures.role("get-evidence", [fixtures.allow("s3:PutObject", "*")]), {"permissions_boundary": {
		"arn": "arn:aws:iam::222222222222:policy/boundary",
		"document": {"Statement": [fixtures.allow("*", "*")]},
	}})
	count(excess_permission.findings) == 1 with input as fixtures.input_with(role, fixtures.params)
}

test_success_excess_denied_by_scp if {
	scp := {"name": "guard", "target": "r-root", "document": {"Statement": [fixtures.allow("*", "*"), fixtures.denial("s3:PutObject", "*")]}}
	role := object.union(fixtures.role("get-evidence", [fixtures.allow(["s3:GetObject", "s3:PutObject"], "*")]), {"scps": [scp]})
	count(excess_permission.findings) == 0 with input as fixtures.input_with(role, fixtures.params)
}
