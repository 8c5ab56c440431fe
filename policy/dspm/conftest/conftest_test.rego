package dspm.conftest_test

import data.dspm.conftest
import data.dspm.lib.fixtures

_read := {
	"Effect": "Allow",
	"Action": ["s3:GetObject", "s3:ListBucket"],
	"Resource": "arn:aws:s3:::acme-dspm-evidence/*",
}

_put := {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}

_vendor_trust := {"Statement": [{
	"Effect": "Allow",
	"Principal": {"AWS": "arn:aws:iam::999999999999:root"},
	"Action": "sts:AssumeRole",
	"Condition": {"StringEquals": {"sts:ExternalId": "zs-external-id"}},
}]}

_place(logical) := {"file": "input", "line": null, "logical": logical}

_policy(name, arn, kind, fields) := object.union({"name": name, "arn": arn, "kind": kind}, fields)

# verdicts are conftest's deny and warn messages for a file, with the
# fixtures' parameters and the given conftest options.
_verdicts(document, options) := {"deny": denied, "warn": warned} if {
	denied := conftest.deny with input as document
		with data.dspm.params as fixtures.params
		with data.dspm.conftest_options as options
	warned := conftest.warn with input as document
		with data.dspm.params as fixtures.params
		with data.dspm.conftest_options as options
}

_adapted(document) := result if {
	result := conftest.adapted with input as document with data.dspm.params as fixtures.params
}

# ---------------------------------------------------------------------------
# CloudFormation

_if_action := {"Fn::If": ["C", "s3:*", {"Ref": "AWS::NoValue"}]}

_template := {"Resources": {
	"Role": {"Type": "AWS::IAM::Role", "Properties": {
		"RoleName": "ZscalerDSPM-GetEvidence-Role",
		"AssumeRolePolicyDocument": _vendor_trust,
		"Policies": [{"PolicyName": "read", "PolicyDocument": {"Statement": [_read]}}, "not-a-policy"],
		"ManagedPolicyArns": [{"Ref": "Managed"}, "arn:aws:iam::aws:policy/ReadOnlyAccess", ["nested"]],
		"PermissionsBoundary": "arn:aws:iam::222222222222:policy/boundary",
	}},
	"Managed": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
		"Roles": [{"Ref": "Role"}],
		"PolicyDocument": {"Statement": _put},
	}},
	"ByName": {"Type": "AWS::IAM::RolePolicy", "Properties": {
		"RoleName": "ZscalerDSPM-GetEvidence-Role",
		"PolicyName": "by-name",
		"PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": _if_action, "Resource": "*"}]},
	}},
	"Stripped": {"Type": "AWS::IAM::Policy", "Properties": {
		"PolicyName": {"Fn::Sub": "${AWS::StackName}-stripped"},
		"Roles": ["Role"],
		"PolicyDocument": {"Statement": [["C", _put, "AWS::NoValue"]]},
	}},
	"Elsewhere": {"Type": "AWS::IAM::Policy", "Properties": {
		"Roles": "OtherRole",
		"PolicyDocument": {"Statement": [_put]},
	}},
	"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Ref": "Name"}}},
}}

_template_role := {
	"name": "ZscalerDSPM-GetEvidence-Role",
	"arn": null,
	"account": null,
	"location": _place("Role"),
	"trust_policy": _vendor_trust,
	"permissions_boundary": {
		"arn": "arn:aws:iam::222222222222:policy/boundary",
		"unresolved": "its document is not in the input",
	},
	"policies": [
		_policy("read", null, "inline", {"document": {"Statement": [_read]}}),
		_policy("Policies[1]", null, "inline", {"unresolved": "the entry is not-a-policy, not a policy"}),
		_policy("${Fn::Sub ${AWS::StackName}-stripped}", null, "inline", {"unresolved": concat("", [
			`statement 0 is ["C",{"Action":"s3:PutObject","Effect":"Allow","Resource":"*"},"AWS::NoValue"], `,
			"not an object",
		])}),
		_policy("by-name", null, "inline", {"document": {"Statement": [{
			"Effect": "Allow",
			"Action": "${Fn::If C s3:* ${Ref AWS::NoValue}}",
			"Resource": "*",
		}]}}),
		_policy("Managed", "${Ref Managed}", "managed", {"document": {"Statement": _put}}),
		_policy("ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess", "managed", {
			"unresolved": "its document is not in the input",
		}),
		_policy("ManagedPolicyArns[2]", `["nested"]`, "managed", {
			"unresolved": `ManagedPolicyArns[2] is ["nested"], not a policy ARN`,
		}),
	],
	"unresolved": [],
}

test_success_cloudformation_roles_adapted if {
	conftest.roles == [_template_role] with input as _template
	conftest.notes == {
		"Elsewhere (AWS::IAM::Policy) is attached to no role of the template, so it is not checked",
	} with input as _template
}

test_success_cloudformation_role_named_by_logical_id if {
	template := {"Resources": {
		"DspmTargetRole": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": {"Ref": "Name"}}},
		"Boundary": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [_read]}}},
		"Bounded": {"Type": "AWS::IAM::Role", "Properties": {"PermissionsBoundary": {"Ref": "Boundary"}}},
	}}
	[[role.name, role.permissions_boundary] | some role in conftest.roles] == [
		["Bounded", {"arn": "${Ref Boundary}", "document": {"Statement": [_read]}}],
		["DspmTargetRole", null],
	] with input as template
	count(conftest.notes) == 0 with input as template
}

test_success_intrinsic_text if {
	conftest.intrinsic_text({"Ref": "Bucket"}) == "${Ref Bucket}"
	conftest.intrinsic_text({"Fn::GetAtt": ["Role", "Arn"]}) == "${Fn::GetAtt Role.Arn}"
	join := {"Fn::Join": ["", ["arn:aws:s3:::", {"Ref": "B"}, "/*"]]}
	conftest.intrinsic_text(join) == "${Fn::Join arn:aws:s3:::${Ref B}/*}"
	conftest.intrinsic_text({"Fn::Sub": ["${A}-x", {"A": {"Ref": "B"}}]}) == `${Fn::Sub ${A}-x {"A":{"Ref":"B"}}}`
	import_value := {"Fn::ImportValue": {"Fn::Sub": "${Stack}-Arn"}}
	conftest.intrinsic_text(import_value) == `${Fn::ImportValue {"Fn::Sub":"${Stack}-Arn"}}`
}

test_success_only_outermost_intrinsics_replaced if {
	template := {"Resources": {"R": {"Type": "AWS::S3::Bucket", "Properties": {
		"A": {"Fn::If": ["C", {"Ref": "X"}, {"Fn::GetAtt": ["Y", "Arn"]}]},
		"B": [{"Ref": "Z"}],
		"Tags": [{"Key": "Ref", "Value": "plain"}],
	}}}}
	conftest.template.Resources.R.Properties == {
		"A": "${Fn::If C ${Ref X} {\"Fn::GetAtt\":[\"Y\",\"Arn\"]}}",
		"B": ["${Ref Z}"],
		"Tags": [{"Key": "Ref", "Value": "plain"}],
	} with input as template
}

test_fail_unreadable_template_denies if {
	template := {"Resources": {
		"Role": {"Type": "AWS::IAM::Role", "Properties": {"Fn::If": ["C", {}, {}]}},
		"Policy": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Fn::If": ["C", {}, {}]}}},
		"Queue": {"Type": "AWS::SQS::Queue"},
	}}
	_verdicts(template, {}) == {"warn": set(), "deny": {concat("", [
		"dspm: the CloudFormation template has 2 IAM resource(s) and none could be read: ",
		"Policy: the document is ${Fn::If C {} {}}, not an object; ",
		"Role: its Properties are ${Fn::If C {} {}}, not an object",
	])}}
}

test_fail_unreadable_role_beside_readable_one_warns if {
	template := {"Resources": {
		"Broken": {"Type": "AWS::IAM::Role", "Properties": "${Fn::If C}"},
		"App": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "app"}},
		"Loose": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [_put]}}},
	}}
	_verdicts(template, {}) == {"deny": set(), "warn": {
		"dspm: Broken (AWS::IAM::Role) could not be read: its Properties are ${Fn::If C}, not an object",
		"dspm: Loose (AWS::IAM::ManagedPolicy) is attached to no role of the template, so it is not checked",
	}}
}

test_success_template_without_iam_gives_nothing if {
	template := {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {}}}}
	_verdicts(template, {}) == {"deny": set(), "warn": set()}
}

# ---------------------------------------------------------------------------
# Verdicts

_findings_template := {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
	"RoleName": "ZscalerDSPM-GetEvidence-Role",
	"AssumeRolePolicyDocument": _vendor_trust,
	"Policies": [{"PolicyName": "evidence", "PolicyDocument": {"Statement": [
		{
			"Effect": "Allow",
			"Action": ["s3:GetObject", "s3:GetObjectAcl", "s3:GetBucketAcl", "s3:GetBucketLocation", "s3:ListBucket"],
			"Resource": ["arn:aws:s3:::acme-dspm-evidence", "arn:aws:s3:::acme-dspm-evidence/*"],
		},
		_put,
	]}}],
}}}}

_excess := concat("", [
	"DSPM-EXCESS-001 excess-permission: role ZscalerDSPM-GetEvidence-Role: s3:PutObject: ",
	"s3:PutObject in statement 1 of policy evidence allows 1 action(s) the get-evidence contract does not document, ",
	"such as s3:PutObject",
])

_missing := concat("", [
	"DSPM-MISSING-001 missing-permission: role ZscalerDSPM-GetEvidence-Role: kms:Decrypt: ",
	"kms:Decrypt (contract row get-evidence-r06) is not allowed: 1 action(s) missing, such as kms:Decrypt ",
	"(no identity policy allows it)",
])

test_fail_findings_at_the_threshold_deny if {
	_verdicts(_findings_template, {}) == {"deny": {_excess}, "warn": {_missing}}
}

test_fail_lower_threshold_denies_more if {
	_verdicts(_findings_template, {"fail_on": "medium"}) == {"deny": {_excess, _missing}, "warn": set()}
}

test_success_threshold_never_only_warns if {
	_verdicts(_findings_template, {"fail_on": "never"}) == {"deny": set(), "warn": {_excess, _missing}}
}

test_success_waived_finding_only_warns if {
	waiver := {
		"id": "W-1", "reason": "writes reviewed", "owner": "sec", "expires": "2999-12-31",
		"rule_id": "DSPM-EXCESS-001",
	}
	_verdicts(_findings_template, {"waivers": [waiver]}) == {"deny": set(), "warn": {
		_missing,
		concat("", [_excess, " (suppressed by waiver W-1: writes reviewed)"]),
	}}
}

test_success_defaults_fill_missing_params if {
	partial := object.remove(fixtures.params, ["vendor_principals"])
	conftest.params == object.union(fixtures.params, {"vendor_principals": []}) with data.dspm.params as partial
	conftest.params == data.dspm.defaults.params
	conftest.params.roles.target == ["*dspm*target*"] with data.dspm.params as {"roles": {"access": ["x"]}}
}

test_fail_bundle_data_not_loaded if {
	conftest.deny == {concat(" ", [
		"dspm: the bundle's data is not loaded (data.dspm.contract is undefined):",
		"add `--data policy` to conftest, or run `opa eval -b policy`",
	])} with input as _findings_template
		with data.dspm.contract as null
}

test_fail_bad_settings if {
	conftest.deny == {
		"dspm: data.dspm.params has the unknown key evidence_bukket: expected the keys of the params schema",
		"dspm: data.dspm.params has the unknown key features.custom_networks: expected the keys of the params schema",
		"dspm: data.dspm.conftest_options.fail_on is severe: expected one of critical, high, medium, low, info, never",
	} with input as _findings_template
		with data.dspm.params as {"evidence_bukket": "x", "features": {"custom_networks": true}}
		with data.dspm.conftest_options.fail_on as "severe"
	conftest.deny == {"dspm: data.dspm.params is []: expected an object"} with input as _findings_template
		with data.dspm.params as []
}

test_success_unrecognised_input_gives_nothing if {
	every document in [{"kind": "Deployment"}, ["a"], "text", {"Statement": [_put]}] {
		_verdicts(document, {}) == {"deny": set(), "warn": set()}
	}
}

# ---------------------------------------------------------------------------
# Messages

_result(fields) := object.union(
	{"rule_id": "DSPM-X-001", "check": "x", "severity": "high", "role": "r", "action": "a", "message": "m"},
	fields,
)

test_success_message_leaves_out_missing_parts if {
	conftest.message(_result({})) == "DSPM-X-001 x: role r: a: m"
	conftest.message(_result({"role": null, "action": null})) == "DSPM-X-001 x: m"
	waived := _result({"suppression": {"id": "W", "reason": "ok"}})
	conftest.message(waived) == "DSPM-X-001 x: role r: a: m (suppressed by waiver W: ok)"
	conftest.message(_result({"suppression": true})) == "DSPM-X-001 x: role r: a: m (suppressed)"
}

test_success_denies_by_rank if {
	conftest.denies(_result({"severity": "critical"}), "high")
	conftest.denies(_result({"severity": "info"}), "info")
	not conftest.denies(_result({"severity": "medium"}), "high")
	not conftest.denies(_result({"severity": "critical"}), "never")
	not conftest.denies(_result({"severity": "critical", "suppression": {"id": "W"}}), "info")
}

# ---------------------------------------------------------------------------
# Policy documents

_long_text(words) := concat("", ["${Fn::If ", concat("", [" x" | some _ in numbers.range(1, words)])])

test_success_document_problems if {
	not conftest.document_problem({"Statement": [_put, {"Effect": "Deny", "NotAction": ["s3:*"], "Resource": "*"}]})
	conftest.document_problem("${Ref P}") == "the document is ${Ref P}, not an object"
	conftest.document_problem({"Version": "2012-10-17"}) == "the document has no Statement"
	conftest.document_problem(_long_text(40)) == sprintf("the document is %s..., not an object", [_long_text(34)])
	lower_case := {"Statement": {"Effect": "allow", "Action": "s3:*"}}
	conftest.document_problem(lower_case) == "statement 0 has Effect allow, not Allow or Deny"
	no_action := {"Statement": [_put, {"Effect": "Deny", "Resource": "*"}]}
	conftest.document_problem(no_action) == "statement 1 names neither or both of Action and NotAction"
	nested := {"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": [["a"]]}]}
	conftest.document_problem(nested) == "statement 0 has a Resource that is not a string or a list of strings"
}

test_success_decoded_json_and_url_encoded if {
	conftest.decoded(`{"a":1}`) == {"a": 1}
	conftest.decoded("%7B%22a%22%3A1%7D") == {"a": 1}
	conftest.decoded({"a": 1}) == {"a": 1}
	conftest.decoded("not json") == "not json"
}

# ---------------------------------------------------------------------------
# Terraform

_tf_resource(address, type, values) := {
	"address": address,
	"mode": "managed",
	"type": type,
	"name": regex.replace(address, `^.*\.([^.\[]+)(\[.*\])?$`, "$1"),
	"values": values,
}

_reader := _tf_resource("aws_iam_role.reader", "aws_iam_role", {
	"name": "ZscalerDSPM-GetEvidence-Role",
	"assume_role_policy": json.marshal(_vendor_trust),
	"inline_policy": [{"name": "read", "policy": json.marshal({"Statement": [_read]})}, {"name": "", "policy": ""}],
	"managed_policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
	"permissions_boundary": "arn:aws:iam::222222222222:policy/bounds",
})

_plan := {
	"format_version": "1.2",
	"terraform_version": "1.9.5",
	"planned_values": {"root_module": {
		"resources": [
			_reader,
			_tf_resource("aws_iam_role_policy.put", "aws_iam_role_policy", {
				"name": "put", "role": "ZscalerDSPM-GetEvidence-Role",
				"policy": json.marshal({"Statement": _put}),
			}),
			_tf_resource("aws_iam_role_policy.broken", "aws_iam_role_policy", {
				"role": "ZscalerDSPM-GetEvidence-Role", "policy": "{",
			}),
			_tf_resource("aws_iam_role_policy_attachment.bounds", "aws_iam_role_policy_attachment", {
				"role": "ZscalerDSPM-GetEvidence-Role", "policy_arn": "arn:aws:iam::222222222222:policy/bounds",
			}),
			_tf_resource("aws_iam_policy.bounds", "aws_iam_policy", {
				"name": "bounds", "arn": "arn:aws:iam::222222222222:policy/bounds",
				"policy": json.marshal({"Statement": [_read]}),
			}),
		],
		"child_modules": [{"address": "module.m", "resources": [
			_tf_resource("module.m.aws_iam_role.pending", "aws_iam_role", {
				"name_prefix": "p-",
				"permissions_boundary": "",
			}),
			_tf_resource("module.m.aws_iam_policy.later", "aws_iam_policy", {"name": "later"}),
			_tf_resource("module.m.aws_iam_role_policy_attachment.later[0]", "aws_iam_role_policy_attachment", {}),
			_tf_resource("module.m.aws_iam_role_policy_attachment.other", "aws_iam_role_policy_attachment", {
				"role": "p-x",
			}),
		]}],
	}},
	"configuration": {"root_module": {"module_calls": {"m": {"module": {"resources": [{
		"address": "aws_iam_role_policy_attachment.later",
		"expressions": {
			"role": {"references": ["aws_iam_role.pending.name", "aws_iam_role.pending"]},
			"policy_arn": {"references": ["aws_iam_policy.later.arn", "aws_iam_policy.later"]},
		},
	}]}}}}},
}

_plan_reader := {
	"name": "ZscalerDSPM-GetEvidence-Role",
	"arn": null,
	"account": null,
	"location": _place("aws_iam_role.reader"),
	"trust_policy": _vendor_trust,
	"permissions_boundary": {"arn": "arn:aws:iam::222222222222:policy/bounds", "document": {"Statement": [_read]}},
	"policies": [
		_policy("read", null, "inline", {"document": {"Statement": [_read]}}),
		_policy("put", null, "inline", {"document": {"Statement": _put}}),
		_policy("aws_iam_role_policy.broken", null, "inline", {"unresolved": "its policy is not valid JSON"}),
		_policy("bounds", "arn:aws:iam::222222222222:policy/bounds", "managed", {"document": {"Statement": [_read]}}),
		_policy("ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess", "managed", {
			"unresolved": "its document is not in the input",
		}),
	],
	"unresolved": [],
}

_plan_pending := {
	"name": "pending",
	"arn": null,
	"account": null,
	"location": _place("module.m.aws_iam_role.pending"),
	"trust_policy": null,
	"permissions_boundary": null,
	"policies": [_policy("later", "module.m.aws_iam_policy.later.arn", "managed", {
		"unresolved": "its policy is known only after apply",
	})],
	"unresolved": [{
		"what": "assume_role_policy",
		"reason": "it is known only after apply",
		"policy": "trust policy",
		"location": _place("module.m.aws_iam_role.pending"),
	}],
}

test_success_terraform_roles_adapted if {
	{role | some role in conftest.roles} == {_plan_reader, _plan_pending} with input as _plan
}

test_success_terraform_state_and_unknown_attachment if {
	state := {"terraform_version": "1.9.5", "values": {"root_module": {"resources": [
		_tf_resource("aws_iam_role.r", "aws_iam_role", {"name": "r", "arn": "arn:aws:iam::222222222222:role/r"}),
		_tf_resource("aws_iam_role_policy_attachment.a", "aws_iam_role_policy_attachment", {"role": "r"}),
		{"address": "aws_iam_role_policy.bare", "type": "aws_iam_role_policy", "name": "bare"},
	]}}}
	attachment := "aws_iam_role_policy_attachment.a"
	unknown := _policy(attachment, sprintf("%s (known after apply)", [attachment]), "managed", {
		"unresolved": "its ARN is known only after apply",
	})
	found := [[role.name, role.account, role.policies] | some role in conftest.roles] with input as state
	found == [["r", "222222222222", [unknown]]]
	_adapted(state).sources == [{"path": "input", "kind": "terraform-plan", "truncated": false}]
}

test_fail_terraform_plan_with_nothing_readable if {
	plan := {"planned_values": {"root_module": {"resources": [
		_tf_resource("aws_iam_policy.p", "aws_iam_policy", {"name": "p"}),
	]}}}
	_verdicts(plan, {}) == {"warn": set(), "deny": {concat("", [
		"dspm: the Terraform plan has 1 IAM resource(s) and none could be read: ",
		"aws_iam_policy.p: its policy is known only after apply",
	])}}
}

# ---------------------------------------------------------------------------
# get-account-authorization-details

_dump := {
	"IsTruncated": true,
	"RoleDetailList": [
		{
			"RoleName": "ZscalerDSPM-GetEvidence-Role",
			"Arn": "arn:aws:iam::222222222222:role/ZscalerDSPM-GetEvidence-Role",
			"AssumeRolePolicyDocument": urlquery.encode(json.marshal(_vendor_trust)),
			"RolePolicyList": [{"PolicyName": "read", "PolicyDocument": {"Statement": [_read]}}],
			"AttachedManagedPolicies": [
				{"PolicyName": "put", "PolicyArn": "arn:aws:iam::222222222222:policy/put"},
				{"PolicyArn": "arn:aws:iam::222222222222:policy/noversion"},
				{"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
			],
			"PermissionsBoundary": {"PermissionsBoundaryArn": "arn:aws:iam::222222222222:policy/put"},
		},
		{"RoleName": ["not", "a", "name"]},
	],
	"Policies": [
		{"Arn": "arn:aws:iam::222222222222:policy/put", "DefaultVersionId": "v2", "PolicyVersionList": [
			{"VersionId": "v1", "Document": {"Statement": [_read]}},
			{"VersionId": "v2", "Document": {"Statement": [_put]}},
		]},
		{"Arn": "arn:aws:iam::222222222222:policy/noversion", "PolicyVersionList": []},
	],
}

_dump_role := {
	"name": "ZscalerDSPM-GetEvidence-Role",
	"arn": "arn:aws:iam::222222222222:role/ZscalerDSPM-GetEvidence-Role",
	"account": "222222222222",
	"trust_policy": _vendor_trust,
	"permissions_boundary": {"arn": "arn:aws:iam::222222222222:policy/put", "document": {"Statement": [_put]}},
	"policies": [
		_policy("read", null, "inline", {"document": {"Statement": [_read]}}),
		_policy("put", "arn:aws:iam::222222222222:policy/put", "managed", {"document": {"Statement": [_put]}}),
		_policy("noversion", "arn:aws:iam::222222222222:policy/noversion", "managed", {
			"unresolved": "its Policies entry has no default version",
		}),
		_policy("ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess", "managed", {
			"unresolved": "not in the Policies list of the input",
		}),
	],
	"unresolved": [],
}

test_success_dump_roles_adapted if {
	conftest.roles == [_dump_role] with input as _dump
	conftest.notes == {
		`RoleDetailList[1] could not be read: it is {"RoleName":["not","a","name"]}, not a role`,
	} with input as _dump
	_adapted(_dump).sources == [{"path": "input", "kind": "dump", "truncated": true}]
}

test_fail_single_role_with_unreadable_trust if {
	role := {"RoleName": "ZscalerDSPM-GetEvidence-Role", "AssumeRolePolicyDocument": {"Statement": "${Ref Trust}"}}
	_adapted(role).roles == [{
		"name": "ZscalerDSPM-GetEvidence-Role",
		"arn": null,
		"account": null,
		"source": "input",
		"role_type": null,
		"trust_policy": null,
		"permissions_boundary": null,
		"policies": [],
		"unresolved": [{
			"what": "trust policy",
			"reason": "statement 0 is ${Ref Trust}, not an object",
			"policy": "trust policy",
			"location": null,
		}],
	}]
	_adapted(role).sources == [{"path": "input", "kind": "role", "truncated": false}]
}
