package dspm.checks.unknown_action_test

import data.dspm.checks.unknown_action
import data.dspm.lib.fixtures

_findings(statements) := result if {
	result := unknown_action.findings with input as fixtures.input_for("put-evidence", statements)
}

test_success_real_actions_and_patterns if {
	count(_findings([fixtures.allow(["kms:GenerateDataKey", "s3:Put*", "KMS:DECRYPT", "*"], "*")])) == 0
}

test_success_unknown_action_in_deny_is_not_granted if {
	count(_findings([fixtures.denial("kms:NoSuchAction", "*")])) == 0
}

test_fail_whole_finding if {
	_findings([fixtures.allow("kms:GenerareDataKey", "*")]) == {object.union(fixtures.role_fields("put-evidence"), {
		"check": "unknown-action",
		"rule_id": "DSPM-UNKNOWN-001",
		"severity": "medium",
		"title": "Action or pattern matches no real IAM action",
		"policy": "inline",
		"statement": {"index": 0, "sid": null},
		"action": "kms:GenerareDataKey",
		"actions": [],
		"resource": null,
		"message": "kms:GenerareDataKey in statement 0 of policy inline matches no action in the IAM catalog: a typo of kms:GenerateDataKey?",
		"remediation": unknown_action.meta.custom.remediation,
	})}
}

test_fail_not_an_action if {
	{r.action | some r in _findings([fixtures.allow(["kms:ReEncrypt", "kms:Encrypt"], "*")])} == {"kms:ReEncrypt"}
}

test_fail_pattern_matching_nothing if {
	count(_findings([fixtures.allow("s3:Fly*", "*")])) == 1
}

test_fail_unknown_service if {
	count(_findings([fixtures.allow("nosuchservice:Get*", "*")])) == 1
}

test_fail_malformed_action if {
	[r.rule_id | some r in _findings([fixtures.allow("s3-GetObject", "*")])] == ["DSPM-UNKNOWN-003"]
}

test_fail_typo_in_service_prefix if {
	[r.message | some r in _findings([fixtures.allow("dynamdb:GetItem", "*")])] == [
		"dynamdb:GetItem in statement 0 of policy inline matches no action in the IAM catalog: a typo of dynamodb:GetItem?",
	]
}

test_fail_action_aws_managed_policies_still_name if {
	[r.rule_id | some r in _findings([fixtures.allow("cloud9:ValidateEnvironmentName", "*")])] == ["DSPM-UNKNOWN-002"]
}

test_fail_nothing_like_it if {
	[r.rule_id | some r in _findings([fixtures.allow("kms:Zzzzzz", "*")])] == ["DSPM-UNKNOWN-003"]
}

test_success_similarity if {
	unknown_action.suggestion("kms:ReEncrypt") in {"kms:ReEncryptFrom", "kms:ReEncryptTo"}
	not unknown_action.suggestion("kms:Fly")
	not unknown_action.suggestion("s3:Get*")
}
