package dspm.checks.tag_scope_test

import data.dspm.checks.tag_scope
import data.dspm.lib.fixtures

_findings(role_type, statements) := result if {
	result := tag_scope.findings with input as fixtures.input_for(role_type, statements)
}

_condition(operator, key, value) := {operator: {key: value}}

_with_condition(statement, condition) := object.union(statement, {"Condition": condition})

_delete := fixtures.allow(["rds:DeleteDBSnapshot"], "*")

test_success_aws_resource_tag if {
	count(_findings("orchestrator", [fixtures.tagged_allow(["rds:DeleteDBSnapshot"])])) == 0
}

test_success_service_tag_key_the_catalog_lists if {
	statement := _with_condition(_delete, _condition("StringEquals", "rds:snapshot-tag/ZscalerDSPM", "true"))
	count(_findings("orchestrator", [statement])) == 0
}

test_success_ec2_resource_tag if {
	statement := _with_condition(fixtures.allow("ec2:TerminateInstances", "*"), _condition("StringEquals", "ec2:ResourceTag/ZscalerDSPM", "true"))
	count(_findings("orchestrator", [statement])) == 0
}

test_success_existing_object_tag_for_object_action if {
	statement := _with_condition(fixtures.allow("s3:GetObject", "*"), _condition("StringEquals", "s3:ExistingObjectTag/ZscalerDSPM", "true"))
	count(_findings("orchestrator", [statement])) == 0
}

test_success_for_any_value if {
	statement := _with_condition(_delete, _condition("ForAnyValue:StringEquals", "aws:ResourceTag/ZscalerDSPM", ["true"]))
	count(_findings("orchestrator", [statement])) == 0
}

test_success_string_like_glob_matching_the_value if {
	statement := _with_condition(_delete, _condition("StringLike", "aws:ResourceTag/ZscalerDSPM", "t*"))
	count(_findings("orchestrator", [statement])) == 0
}

test_fail_key_the_action_does_not_support if {
	statement := _with_condition(_delete, _condition("StringEquals", "rds:ResourceTag/ZscalerDSPM", "true"))
	result := _findings("orchestrator", [statement])
	{[r.rule_id, r.severity] | some r in result} == {["DSPM-TAG-002", "medium"]}
}

test_fail_existing_object_tag_on_bucket_action if {
	statement := _with_condition(fixtures.allow("s3:ListBucket", "*"), _condition("StringEquals", "s3:ExistingObjectTag/ZscalerDSPM", "true"))
	{r.rule_id | some r in _findings("orchestrator", [statement])} == {"DSPM-TAG-002"}
}

test_fail_for_all_values if {
	statement := _with_condition(_delete, _condition("ForAllValues:StringEquals", "aws:ResourceTag/ZscalerDSPM", ["true"]))
	{r.rule_id | some r in _findings("orchestrator", [statement])} == {"DSPM-TAG-001"}
}

test_fail_if_exists_on_unsupported_key_never_restricts if {
	statement := _with_condition(_delete, _condition("StringEqualsIfExists", "rds:ResourceTag/ZscalerDSPM", "true"))
	{r.rule_id | some r in _findings("orchestrator", [statement])} == {"DSPM-TAG-001"}
}

test_success_policy_variable_left_to_unresolved if {
	statement := _with_condition(_delete, _condition("StringEquals", "aws:ResourceTag/ZscalerDSPM", "${aws:PrincipalTag/team}"))
	count(_findings("orchestrator", [statement])) == 0
}

test_success_case_of_operator_and_key if {
	statement := _with_condition(_delete, _condition("stringequalsignorecase", "AWS:RESOURCETAG/zscalerdspm", "TRUE"))
	count(_findings("orchestrator", [statement])) == 0
}

test_success_untagged_scope_needs_no_condition if {
	count(_findings("orchestrator", [fixtures.allow(["rds:CreateDBInstance", "rds:Describe*"], "*")])) == 0
}

test_success_overriding_deny if {
	statements := [_delete, fixtures.denial("rds:DeleteDBSnapshot", "*")]
	count(_findings("orchestrator", statements)) == 0
}

test_fail_whole_finding if {
	_findings("orchestrator", [object.union(_delete, {"Sid": "Cleanup"})]) == {object.union(fixtures.role_fields("orchestrator"), {
		"check": "tag-scope",
		"rule_id": "DSPM-TAG-001",
		"severity": "high",
		"title": "Tag-scoped action granted without the DSPM tag condition",
		"policy": "inline",
		"statement": {"index": 0, "sid": "Cleanup"},
		"action": "rds:DeleteDBSnapshot",
		"actions": ["rds:DeleteDBSnapshot"],
		"resource": "*",
		"message": "rds:DeleteDBSnapshot in statement 0 (Cleanup) of policy inline allows 1 tag-scoped action(s) on resources without the tag ZscalerDSPM=true (no condition on the ZscalerDSPM tag)",
		"remediation": tag_scope.meta.custom.remediation,
	})}
}

test_fail_wrong_value if {
	statement := _with_condition(_delete, _condition("StringEquals", "aws:ResourceTag/ZscalerDSPM", "false"))
	count(_findings("orchestrator", [statement])) == 1
}

test_fail_one_of_several_values if {
	statement := _with_condition(_delete, _condition("StringEquals", "aws:ResourceTag/ZscalerDSPM", ["true", "other"]))
	count(_findings("orchestrator", [statement])) == 1
}

test_fail_wrong_key if {
	statement := _with_condition(_delete, _condition("StringEquals", "aws:ResourceTag/Owner", "true"))
	count(_findings("orchestrator", [statement])) == 1
}

test_fail_if_exists_does_not_scope if {
	statement := _with_condition(_delete, _condition("StringEqualsIfExists", "aws:ResourceTag/ZscalerDSPM", "true"))
	count(_findings("orchestrator", [statement])) == 1
}

test_fail_null_check_does_not_scope if {
	statement := _with_condition(_delete, _condition("Null", "aws:ResourceTag/ZscalerDSPM", "false"))
	count(_findings("orchestrator", [statement])) == 1
}

test_fail_another_services_key if {
	statement := _with_condition(_delete, _condition("StringEquals", "ec2:ResourceTag/ZscalerDSPM", "true"))
	count(_findings("orchestrator", [statement])) == 1
}

test_fail_string_like_not_matching if {
	statement := _with_condition(_delete, _condition("StringLike", "aws:ResourceTag/ZscalerDSPM", "f*"))
	count(_findings("orchestrator", [statement])) == 1
}

test_fail_condition_in_another_statement if {
	statements := [_delete, fixtures.tagged_allow(["rds:DeleteDBInstance"])]
	{result.action | some result in _findings("orchestrator", statements)} == {"rds:DeleteDBSnapshot"}
}

test_fail_through_wildcard_lists_tagged_actions_only if {
	result := _findings("orchestrator", [fixtures.allow("rds:Delete*", "*")])
	{action | some finding in result; some action in finding.actions} == {
		"rds:DeleteDBCluster", "rds:DeleteDBClusterSnapshot",
		"rds:DeleteDBInstance", "rds:DeleteDBSnapshot",
	}
}

test_fail_upper_case_action if {
	count(_findings("orchestrator", [fixtures.allow("RDS:DELETEDBSNAPSHOT", "*")])) == 1
}

test_fail_configured_tag_key if {
	parameters := object.union(fixtures.params, {"dspm_tag": {"key": "Owner", "value": "dspm"}})
	result := tag_scope.findings with input as fixtures.input_with(
		fixtures.role("orchestrator", [fixtures.tagged_allow(["rds:DeleteDBSnapshot"])]),
		parameters,
	)
	count(result) == 1
}
