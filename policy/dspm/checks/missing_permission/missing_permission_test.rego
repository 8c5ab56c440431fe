package dspm.checks.missing_permission_test

import data.dspm.checks.missing_permission
import data.dspm.lib.fixtures

_get_evidence := [
	"s3:GetObjectAcl", "s3:GetObject", "s3:GetBucketAcl",
	"s3:GetBucketLocation", "s3:ListBucket", "kms:Decrypt",
]

_findings(role_type, statements) := result if {
	result := missing_permission.findings with input as fixtures.input_for(role_type, statements)
}

test_success_all_documented if {
	count(_findings("get-evidence", [fixtures.allow(_get_evidence, "*")])) == 0
}

test_success_through_wildcards_and_case if {
	count(_findings("get-evidence", [fixtures.allow(["S3:GET*", "s3:List*", "KMS:decrypt"], "*")])) == 0
}

test_success_conditional_allow_counts if {
	statement := object.union(fixtures.allow(_get_evidence, "*"), {"Condition": {"Bool": {"aws:SecureTransport": "true"}}})
	count(_findings("get-evidence", [statement])) == 0
}

test_success_corrected_erratum if {
	statements := [fixtures.allow([
		"s3:PutObject", "s3:PutObjectAcl", "s3:GetBucketAcl", "s3:GetBucketLocation", "s3:DeleteObject",
		"kms:Encrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey", "kms:Decrypt",
	], "*")]
	count(_findings("put-evidence", statements)) == 0
}

test_fail_whole_finding if {
	without_decrypt := [action | some action in _get_evidence; action != "kms:Decrypt"]
	_findings("get-evidence", [fixtures.allow(without_decrypt, "*")]) == {object.union(fixtures.role_fields("get-evidence"), {
		"check": "missing-permission",
		"rule_id": "DSPM-MISSING-001",
		"severity": "medium",
		"title": "Documented permission is not allowed",
		"policy": null,
		"statement": null,
		"action": "kms:Decrypt",
		"actions": ["kms:Decrypt"],
		"resource": null,
		"message": "kms:Decrypt (contract row get-evidence-r06) is not allowed: 1 action(s) missing, such as kms:Decrypt (no identity policy allows it)",
		"remediation": missing_permission.meta.custom.remediation,
	})}
}

test_fail_typo_leaves_corrected_action_missing if {
	result := _findings("put-evidence", [fixtures.allow("kms:GenerareDataKey", "*")])
	some finding in result
	finding.action == "kms:GenerareDataKey"
	finding.actions == ["kms:GenerateDataKey"]
}

test_fail_removed_by_deny if {
	statements := [fixtures.allow(_get_evidence, "*"), fixtures.denial("kms:*", "*")]
	{r.action | some r in _findings("get-evidence", statements)} == {"kms:Decrypt"}
}

test_fail_partial_wildcard if {
	statements := [fixtures.allow(["ec2:DescribeInstances"], "*")]
	some finding in _findings("orchestrator", statements)
	finding.action == "ec2:Describe*"
	not "ec2:DescribeInstances" in finding.actions
	"ec2:DescribeVolumes" in finding.actions
}

test_fail_feature_switched_on if {
	parameters := object.union(fixtures.params, {"features": object.union(fixtures.params.features, {"bedrock_kms": true})})
	result := missing_permission.findings with input as fixtures.input_with(
		fixtures.role("resource-discovery", [fixtures.allow("*", "*")]),
		parameters,
	)
	count(result) == 0
	result_without := missing_permission.findings with input as fixtures.input_with(
		fixtures.role("resource-discovery", [fixtures.allow("logs:*", "*")]),
		parameters,
	)
	"kms:GenerateDataKey" in {r.action | some r in result_without}
}

test_fail_data_store_not_onboarded_is_not_required if {
	parameters := object.union(fixtures.params, {"features": object.union(fixtures.params.features, {"data_stores": ["s3"]})})
	result := missing_permission.findings with input as fixtures.input_with(
		fixtures.role("target", [fixtures.allow(["s3:Get*", "s3:List*"], "*")]),
		parameters,
	)
	count(result) == 0
}

_bounded_role(statements, boundary, scps) := object.union(fixtures.role("get-evidence", statements), {
	"permissions_boundary": {"arn": "arn:aws:iam::222222222222:policy/boundary", "document": {"Statement": boundary}},
	"scps": scps,
})

test_fail_removed_by_boundary if {
	role := _bounded_role([fixtures.allow(_get_evidence, "*")], [fixtures.allow("s3:*", "*")], [])
	result := missing_permission.findings with input as fixtures.input_with(role, fixtures.params)
	{r.message | some r in result} == {"kms:Decrypt (contract row get-evidence-r06) is not allowed: 1 action(s) missing, such as kms:Decrypt (the permissions boundary does not allow it)"}
}

test_fail_removed_by_scp_deny if {
	scp := {"name": "deny-kms", "target": "ou-1", "document": {"Statement": [fixtures.allow("*", "*"), fixtures.denial("kms:*", "*")]}}
	role := object.union(fixtures.role("get-evidence", [fixtures.allow(_get_evidence, "*")]), {"scps": [scp]})
	result := missing_permission.findings with input as fixtures.input_with(role, fixtures.params)
	{r.message | some r in result} == {"kms:Decrypt (contract row get-evidence-r06) is not allowed: 1 action(s) missing, such as kms:Decrypt (statement 1 of scp deny-kms denies it)"}
}

test_fail_not_allowed_at_every_scp_target if {
	root := {"name": "full", "target": "r-root", "document": {"Statement": [fixtures.allow("*", "*")]}}
	ou := {"name": "s3-only", "target": "ou-1", "document": {"Statement": [fixtures.allow("s3:*", "*")]}}
	role := object.union(fixtures.role("get-evidence", [fixtures.allow(_get_evidence, "*")]), {"scps": [root, ou]})
	result := missing_permission.findings with input as fixtures.input_with(role, fixtures.params)
	{r.message | some r in result} == {"kms:Decrypt (contract row get-evidence-r06) is not allowed: 1 action(s) missing, such as kms:Decrypt (the SCP attached to ou-1 does not allow it)"}
}

test_success_allowed_by_some_scp_at_each_target if {
	kms := {"name": "kms", "target": "ou-1", "document": {"Statement": [fixtures.allow("kms:*", "*")]}}
	s3 := {"name": "s3", "target": "ou-1", "document": {"Statement": [fixtures.allow("s3:*", "*")]}}
	role := object.union(fixtures.role("get-evidence", [fixtures.allow(_get_evidence, "*")]), {"scps": [kms, s3]})
	count(missing_permission.findings) == 0 with input as fixtures.input_with(role, fixtures.params)
}

test_fail_removed_by_boundary_and_scp_alike if {
	scp := {"name": "s3-only", "target": "ou-1", "document": {"Statement": [fixtures.allow("s3:*", "*")]}}
	role := object.union(_bounded_role([fixtures.allow(_get_evidence, "*")], [fixtures.allow("s3:*", "*")], []), {"scps": [scp]})
	result := missing_permission.findings with input as fixtures.input_with(role, fixtures.params)
	{r.message | some r in result} == {"kms:Decrypt (contract row get-evidence-r06) is not allowed: 1 action(s) missing, such as kms:Decrypt (neither the permissions boundary nor the SCP attached to ou-1 allows it)"}
}
