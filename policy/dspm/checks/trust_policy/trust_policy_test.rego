package dspm.checks.trust_policy_test

import data.dspm.checks.trust_policy
import data.dspm.lib.fixtures

_trusting(role_type, statements) := result if {
	role := object.union(fixtures.role(role_type, []), {"trust_policy": {"Version": "2012-10-17", "Statement": statements}})
	result := trust_policy.findings with input as fixtures.input_with(role, fixtures.params)
}

_assume(principal) := {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}

_vendor := _assume({"AWS": "arn:aws:iam::999999999999:root"})

_external_id := {"StringEquals": {"sts:ExternalId": "zs-external-id"}}

_rules(findings) := {[r.rule_id, r.severity] | some r in findings}

test_success_orchestrator_account_for_target if {
	count(_trusting("target", [_assume({"AWS": "arn:aws:iam::111111111111:root"})])) == 0
}

test_success_bare_account_id if {
	count(_trusting("put-evidence", [_assume({"AWS": "111111111111"})])) == 0
}

test_success_ec2_for_instance_profiles if {
	count(_trusting("scanner", [_assume({"Service": "ec2.amazonaws.com"})])) == 0
	count(_trusting("orchestrator", [_assume({"Service": ["ec2.amazonaws.com"]})])) == 0
}

test_success_vendor_with_external_id if {
	count(_trusting("access", [object.union(_vendor, {"Condition": _external_id})])) == 0
}

test_success_single_statement_object if {
	role := object.union(fixtures.role("target", []), {"trust_policy": {"Statement": _assume({"AWS": "111111111111"})}})
	count(trust_policy.findings) == 0 with input as fixtures.input_with(role, fixtures.params)
}

test_success_no_trust_policy_for_bare_documents if {
	count(trust_policy.findings) == 0 with input as fixtures.input_for("target", [])
}

test_fail_anyone if {
	result := _trusting("target", [_assume("*")])
	some finding in result
	finding == object.union(fixtures.role_fields("target"), {
		"check": "trust-policy",
		"rule_id": "DSPM-TRUST-001",
		"severity": "critical",
		"title": "Trust policy admits the wrong principals",
		"policy": "trust policy",
		"statement": {"index": 0, "sid": null},
		"action": "sts:AssumeRole",
		"actions": [],
		"resource": "*",
		"message": "trust policy statement 0 lets anyone (*) assume the role",
		"remediation": trust_policy.meta.custom.remediation,
	})
}

test_fail_anyone_with_condition_is_high if {
	statement := object.union(_assume({"AWS": "*"}), {"Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}})
	["DSPM-TRUST-001", "high"] in _rules(_trusting("target", [statement]))
}

test_fail_not_principal if {
	statement := {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::444444444444:root"}, "Action": "sts:AssumeRole"}
	["DSPM-TRUST-001", "critical"] in _rules(_trusting("target", [statement, _assume({"AWS": "111111111111"})]))
}

test_fail_other_account if {
	result := _trusting("target", [_assume({"AWS": ["arn:aws:iam::111111111111:root", "arn:aws:iam::444444444444:root"]})])
	_rules(result) == {["DSPM-TRUST-002", "high"]}
	{r.resource | some r in result} == {"arn:aws:iam::444444444444:root"}
}

test_fail_wrong_service if {
	["DSPM-TRUST-002", "high"] in _rules(_trusting("scanner", [_assume({"Service": "lambda.amazonaws.com"})]))
}

test_fail_vendor_without_external_id if {
	_rules(_trusting("access", [_vendor])) == {["DSPM-TRUST-003", "high"]}
}

test_fail_vendor_with_wrong_external_id if {
	statement := object.union(_vendor, {"Condition": {"StringEquals": {"sts:ExternalId": "guessable"}}})
	_rules(_trusting("access", [statement])) == {["DSPM-TRUST-003", "high"]}
}

test_fail_expected_principal_absent if {
	_rules(_trusting("scanner", [])) == {["DSPM-TRUST-004", "medium"]}
}

test_success_anyone_is_reported_once if {
	_rules(_trusting("target", [_assume({"AWS": "*"})])) == {["DSPM-TRUST-001", "critical"]}
}
