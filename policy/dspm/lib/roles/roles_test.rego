package dspm.lib.roles_test

import data.dspm.lib.fixtures
import data.dspm.lib.roles

_named(name) := object.union(fixtures.role(null, []), {"name": name})

_document(roles) := object.union(fixtures.input_with(roles[0], fixtures.params), {"roles": roles})

test_success_not_action_complement if {
	document := fixtures.input_for("target", [{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}])
	granted := roles.granted[0][0] with input as document
	not "s3:GetObject" in granted
	"ec2:RunInstances" in granted
}

test_success_effective_subtracts_unconditional_deny_only if {
	statements := [
		fixtures.allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket"], "*"),
		fixtures.denial("s3:PutObject", "*"),
		object.union(fixtures.denial("s3:ListBucket", "*"), {"Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
	]
	effective := roles.effective[0] with input as fixtures.input_for("target", statements)
	effective == {"s3:GetObject", "s3:ListBucket"}
}

test_success_classified_case_insensitively if {
	types := roles.role_type with input as _document([_named("ZSCALER-DSPM-SCANNER"), _named("Other")])
	types == {0: "scanner"}
}

test_success_named_type_wins_over_globs if {
	role := object.union(fixtures.role("target", []), {"name": "dspm-scanner"})
	roles.role_type == {0: "target"} with input as _document([role])
}

test_success_unresolved_policy_has_no_statements if {
	policy := {"name": "SecurityAudit", "arn": "arn:aws:iam::aws:policy/SecurityAudit", "kind": "managed", "unresolved": "absent"}
	role := object.union(fixtures.role("target", []), {"policies": [policy]})
	roles.statements[0] == [] with input as _document([role])
}

test_fail_ambiguous_name_not_checked if {
	document := _document([_named("dspm-target-scanner")])
	count(roles.checked) == 0 with input as document
	roles.ambiguous[0] == {"target", "scanner"} with input as document
}

_with_globs(document, globs) := object.union(document, {"params": {"roles": globs}})

test_success_glob_characters_of_regular_expressions_are_literal if {
	globs := {"scanner": ["dspm.scan+(x)[1]{2}|^$*"], "target": ["*dspm?target"]}
	names := ["dspm.scan+(x)[1]{2}|^$-01", "dspmxscan+(x)[1]{2}|^$", "my-dspm-target", "my-dspm--target", "dspmtarget", "dspm-target"]
	types := roles.role_type with input as _with_globs(_document([_named(name) | some name in names]), globs)
	types == {0: "scanner", 2: "target", 5: "target"}
}

test_success_glob_with_comma_and_backslash if {
	globs := {"access": ["dspm,access\\*"]}
	names := ["dspm,access\\role", "dspm,accessrole", "dspm"]
	types := roles.role_type with input as _with_globs(_document([_named(name) | some name in names]), globs)
	types == {0: "access"}
}

test_success_role_matching_no_glob_has_no_candidates if {
	document := _document([_named("payments-api"), _named("dspm-target-role")])
	roles.candidate_types == {1: {"target"}} with input as document
}
