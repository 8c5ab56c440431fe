package dspm.checks.resource_scope_test

import data.dspm.checks.resource_scope
import data.dspm.lib.fixtures

_findings(role_type, statements) := result if {
	result := resource_scope.findings with input as fixtures.input_for(role_type, statements)
}

_bucket := ["arn:aws:s3:::acme-dspm-evidence", "arn:aws:s3:::acme-dspm-evidence/*"]

_key := "arn:aws:kms:us-east-1:111111111111:key/evidence"

test_success_evidence_bucket_and_key if {
	statements := [
		fixtures.allow(["s3:PutObject", "s3:GetBucketLocation"], _bucket),
		fixtures.allow(["kms:Encrypt", "kms:GenerateDataKey"], _key),
	]
	count(_findings("put-evidence", statements)) == 0
}

test_success_narrower_prefix if {
	count(_findings("put-evidence", [fixtures.allow("s3:PutObject", "arn:aws:s3:::acme-dspm-evidence/snippets/*")])) == 0
}

test_success_scanner_queues_and_export if {
	statements := [
		fixtures.allow(["sqs:ReceiveMessage", "sqs:Get*"], "arn:aws:sqs:us-east-1:111111111111:dspm-scan"),
		fixtures.allow(["s3:GetObject", "s3:ListBucket"], ["arn:aws:s3:::acme-dspm-export", "arn:aws:s3:::acme-dspm-export/*"]),
		fixtures.allow(["sts:AssumeRole", "kms:Decrypt"], "*"),
	]
	count(_findings("scanner", statements)) == 0
}

test_success_orchestrator_account if {
	statements := [fixtures.allow("iam:PassRole", ["arn:aws:iam::111111111111:role/scanner", "*"])]
	count(_findings("orchestrator", statements)) == 0
}

test_success_overriding_deny if {
	statements := [fixtures.allow("s3:PutObject", "*"), fixtures.denial("s3:PutObject", "*")]
	count(_findings("put-evidence", statements)) == 0
}

test_fail_whole_finding if {
	_findings("put-evidence", [fixtures.allow("s3:PutObject", "*")]) == {object.union(fixtures.role_fields("put-evidence"), {
		"check": "resource-scope",
		"rule_id": "DSPM-SCOPE-001",
		"severity": "high",
		"title": "Action reaches beyond its documented resources",
		"policy": "inline",
		"statement": {"index": 0, "sid": null},
		"action": "s3:PutObject",
		"actions": ["s3:PutObject"],
		"resource": "*",
		"message": "s3:PutObject in statement 0 of policy inline reaches *, beyond the evidence-bucket scope the contract documents",
		"remediation": resource_scope.meta.custom.remediation,
	})}
}

test_fail_other_bucket if {
	result := _findings("put-evidence", [fixtures.allow("s3:PutObject", "arn:aws:s3:::other-bucket/*")])
	{r.resource | some r in result} == {"arn:aws:s3:::other-bucket/*"}
}

test_fail_bucket_prefix_wildcard if {
	count(_findings("get-evidence", [fixtures.allow("s3:GetObject", "arn:aws:s3:::acme-dspm-evidence*")])) == 1
}

test_fail_second_key if {
	statements := [fixtures.allow("kms:Decrypt", [_key, "arn:aws:kms:us-east-1:111111111111:key/other"])]
	{r.resource | some r in _findings("get-evidence", statements)} == {"arn:aws:kms:us-east-1:111111111111:key/other"}
}

test_fail_not_resource if {
	statement := {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}
	{r.resource | some r in _findings("get-evidence", [statement])} == {"NotResource arn:aws:s3:::secret/*"}
}

test_fail_other_account if {
	statements := [fixtures.allow("iam:PassRole", "arn:aws:iam::444444444444:role/x")]
	count(_findings("orchestrator", statements)) == 1
}

test_fail_queue_not_dspm if {
	statements := [fixtures.allow("sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:111111111111:payments")]
	count(_findings("scanner", statements)) == 1
}

test_fail_wildcard_lists_scoped_actions if {
	result := _findings("get-evidence", [fixtures.allow("s3:Get*", "*")])
	{action | some r in result; some action in r.actions} == {"s3:GetObject", "s3:GetObjectAcl", "s3:GetBucketAcl", "s3:GetBucketLocation"}
}

test_success_unset_parameter_left_to_unresolved if {
	parameters := object.union(fixtures.params, {"evidence_bucket": null})
	result := resource_scope.findings with input as fixtures.input_with(
		fixtures.role("put-evidence", [fixtures.allow("s3:PutObject", "*")]),
		parameters,
	)
	count(result) == 0
}

test_success_object_arn_does_not_reach_bucket_actions if {
	statements := [fixtures.allow(["s3:ListBucket", "s3:GetObject"], "arn:aws:s3:::acme-dspm-evidence/*")]
	count(_findings("get-evidence", statements)) == 0
}

test_fail_bucket_action_on_another_bucket if {
	result := _findings("get-evidence", [fixtures.allow(["s3:ListBucket", "s3:GetObject"], "arn:aws:s3:::other")])
	{action | some r in result; some action in r.actions} == {"s3:ListBucket"}
}

test_success_star_only_action if {
	count(_findings("scanner", [fixtures.allow("sqs:ListQueues", "*")])) == 0
}

test_fail_resource_wildcard_across_buckets if {
	count(_findings("get-evidence", [fixtures.allow("s3:GetObject", "arn:aws:s3:::*/*")])) == 1
}

test_success_policy_variable_left_to_unresolved if {
	count(_findings("put-evidence", [fixtures.allow("s3:PutObject", "arn:aws:s3:::other/${aws:username}")])) == 0
}
