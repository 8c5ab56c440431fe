package dspm.checks.unresolved_test

import data.dspm.checks.unresolved
import data.dspm.lib.fixtures

_unresolved_policy := {
	"name": "SecurityAudit",
	"arn": "arn:aws:iam::aws:policy/SecurityAudit",
	"kind": "managed",
	"unresolved": "not in the dump's Policies",
}

_findings(role, parameters, sources) := result if {
	document := object.union(fixtures.input_with(role, parameters), {"sources": sources})
	result := unresolved.findings with input as document
}

_rules(findings) := {r.rule_id | some r in findings}

test_success_everything_resolved if {
	count(_findings(fixtures.role("get-evidence", []), fixtures.params, [])) == 0
}

test_fail_managed_policy_not_in_dump if {
	role := object.union(fixtures.role("resource-discovery", []), {"policies": [_unresolved_policy]})
	_findings(role, fixtures.params, []) == {object.union(fixtures.role_fields("resource-discovery"), {
		"check": "unresolved",
		"rule_id": "DSPM-UNRESOLVED-001",
		"severity": "high",
		"title": "Input the checks cannot judge",
		"policy": "arn:aws:iam::aws:policy/SecurityAudit",
		"statement": null,
		"action": null,
		"actions": [],
		"resource": null,
		"message": "managed policy arn:aws:iam::aws:policy/SecurityAudit could not be read: not in the dump's Policies",
		"remediation": unresolved.meta.custom.remediation,
	})}
}

test_fail_boundary_not_in_dump if {
	boundary := {"arn": "arn:aws:iam::222222222222:policy/boundary", "unresolved": "not in the dump's Policies"}
	role := object.union(fixtures.role("target", []), {"permissions_boundary": boundary})
	_rules(_findings(role, fixtures.params, [])) == {"DSPM-UNRESOLVED-002"}
}

test_fail_truncated_dump if {
	result := _findings(fixtures.role("target", []), fixtures.params, [{"path": "page1.json", "kind": "dump", "truncated": true}])
	_rules(result) == {"DSPM-UNRESOLVED-003"}
}

test_fail_ambiguous_role_name if {
	role := object.union(fixtures.role(null, []), {"name": "dspm-discovery-target"})
	_rules(_findings(role, fixtures.params, [])) == {"DSPM-UNRESOLVED-004"}
}

test_fail_parameter_not_set if {
	parameters := object.union(fixtures.params, {"evidence_bucket": null, "evidence_kms_key_arn": ""})
	result := _findings(fixtures.role("put-evidence", []), parameters, [])
	{r.message | some r in result} == {
		"parameter evidence_bucket is not set, so the evidence-bucket scope of this role cannot be checked",
		"parameter evidence_kms_key_arn is not set, so the evidence-key scope of this role cannot be checked",
	}
}

test_fail_trust_parameter_not_set if {
	parameters := object.union(fixtures.params, {"vendor_principals": []})
	role := object.union(fixtures.role("access", []), {"trust_policy": {"Statement": []}})
	"parameter vendor_principals is not set, so the trust policy cannot be checked" in {r.message | some r in _findings(role, parameters, [])}
}

test_fail_tag_condition_with_policy_variable if {
	statement := {
		"Effect": "Allow",
		"Action": "rds:DeleteDBSnapshot",
		"Resource": "*",
		"Condition": {"StringEquals": {"aws:ResourceTag/ZscalerDSPM": "${aws:PrincipalTag/dspm}"}},
	}
	result := _findings(fixtures.role("orchestrator", [statement]), fixtures.params, [])
	{[r.rule_id, r.message] | some r in result} == {[
		"DSPM-UNRESOLVED-006",
		"rds:DeleteDBSnapshot in statement 0 of policy inline scopes 1 tag-scoped action(s) by a condition that depends on ${aws:PrincipalTag/dspm}, which the input does not give",
	]}
}

test_fail_tag_condition_on_request_tag if {
	statement := {
		"Effect": "Allow",
		"Action": "ec2:RunInstances",
		"Resource": "*",
		"Condition": {"StringEquals": {"aws:RequestTag/ZscalerDSPM": "true"}},
	}
	result := _findings(fixtures.role("orchestrator", [statement]), fixtures.params, [])
	{r.rule_id | some r in result} == {"DSPM-UNRESOLVED-006"}
}

test_fail_scp_not_readable if {
	role := object.union(fixtures.role("target", []), {"scps": [{"target": "ou-1", "unresolved": "AccessDenied on organizations:DescribePolicy"}]})
	_rules(_findings(role, fixtures.params, [])) == {"DSPM-UNRESOLVED-007"}
}

test_fail_resource_with_policy_variable if {
	statement := {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::acme-dspm-evidence/${aws:username}/*"}
	result := _findings(fixtures.role("put-evidence", [statement]), fixtures.params, [])
	{[r.rule_id, r.resource] | some r in result} == {["DSPM-UNRESOLVED-008", "arn:aws:s3:::acme-dspm-evidence/${aws:username}/*"]}
}

_here := {"file": "dspm.yaml", "line": 17, "logical": "TargetRole"}

test_fail_template_value_unresolved_at_its_line if {
	entry := {"what": "Fn::ImportValue Shared", "reason": "an import is only known at deploy time", "policy": "inline", "location": _here}
	role := object.union(fixtures.role("get-evidence", []), {"unresolved": [entry]})
	_findings(role, fixtures.params, []) == {object.union(fixtures.role_fields("get-evidence"), {
		"check": "unresolved",
		"rule_id": "DSPM-UNRESOLVED-009",
		"severity": "high",
		"title": "Input the checks cannot judge",
		"policy": "inline",
		"statement": null,
		"action": null,
		"actions": [],
		"resource": null,
		"location": _here,
		"message": "Fn::ImportValue Shared could not be resolved: an import is only known at deploy time; the checks see it as an unknown value",
		"remediation": unresolved.meta.custom.remediation,
	})}
}

test_fail_unresolved_managed_policy_located_at_its_entry if {
	policy := object.union(_unresolved_policy, {"location": _here})
	role := object.union(fixtures.role("resource-discovery", []), {"policies": [policy]})
	[f.location | some f in _findings(role, fixtures.params, [])] == [_here]
}
