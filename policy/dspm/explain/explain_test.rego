package dspm.explain_test

import data.dspm.explain
import data.dspm.lib.fixtures

_explain(role, action) := result if {
	document := object.union(fixtures.input_with(role, fixtures.params), {"explain": {"role": "dspm-role", "action": action}})
	result := explain.result with input as document
}

test_success_allowed_by_one_statement if {
	result := _explain(fixtures.role("get-evidence", [fixtures.allow("s3:Get*", "*")]), "S3:GETOBJECT")
	result.action == "s3:GetObject"
	result.decision == "allowed"
	result.documented == true
	result.contract_rows == ["get-evidence-r02"]
	[s.part | some s in result.statements] == ["allows"]
}

test_success_explicit_deny_wins if {
	statements := [fixtures.allow("s3:*", "*"), fixtures.denial("s3:PutObject", "*")]
	result := _explain(fixtures.role("get-evidence", statements), "s3:PutObject")
	result.decision == "explicitly denied"
	result.reason == "statement 1 of policy inline denies it"
	[s.part | some s in result.statements] == ["allows", "denies"]
	result.documented == false
}

test_success_conditional if {
	statement := object.union(fixtures.allow("s3:GetObject", "*"), {"Condition": {"Bool": {"aws:SecureTransport": "true"}}})
	result := _explain(fixtures.role("get-evidence", [statement]), "s3:GetObject")
	result.decision == "allowed when conditions hold"
}

test_success_outside_boundary if {
	role := object.union(fixtures.role("get-evidence", [fixtures.allow("kms:Decrypt", "*")]), {"permissions_boundary": {
		"arn": "arn:aws:iam::222222222222:policy/boundary",
		"document": {"Statement": [fixtures.allow("s3:*", "*")]},
	}})
	result := _explain(role, "kms:Decrypt")
	result.decision == "not allowed"
	result.reason == "the permissions boundary does not allow it"
}

test_fail_unknown_action if {
	document := object.union(fixtures.input_for("get-evidence", []), {"explain": {"role": "dspm-role", "action": "s3:Get*"}})
	explain.error == "s3:Get* is not one action of the catalog (a pattern or a typo?)" with input as document
}

test_fail_unknown_role if {
	document := object.union(fixtures.input_for("get-evidence", []), {"explain": {"role": "other", "action": "s3:GetObject"}})
	explain.error == "role other is not among the roles checked (is it classified?)" with input as document
}

test_fail_name_in_two_accounts if {
	first := fixtures.role("get-evidence", [])
	second := object.union(first, {"arn": "arn:aws:iam::333333333333:role/dspm-role", "account": "333333333333"})
	document := object.union(fixtures.input_with(first, fixtures.params), {
		"roles": [first, second],
		"explain": {"role": "dspm-role", "action": "s3:GetObject"},
	})
	explain.error == "role dspm-role names several roles; give one ARN: arn:aws:iam::222222222222:role/dspm-role, arn:aws:iam::333333333333:role/dspm-role" with input as document
	result := explain.result with input as object.union(document, {"explain": {"role": "arn:aws:iam::333333333333:role/dspm-role", "action": "s3:GetObject"}})
	result.decision == "not allowed"
}
