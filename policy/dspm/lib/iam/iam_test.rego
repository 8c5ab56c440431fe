package dspm.lib.iam_test

import data.dspm.lib.iam

test_success_as_list if {
	iam.as_list("a") == ["a"]
	iam.as_list(["a", "b"]) == ["a", "b"]
}

test_success_single_statement if {
	count(iam.statements({"Statement": {"Effect": "Allow"}})) == 1
	count(iam.statements({})) == 0
}

test_success_expand_literal_any_case if {
	iam.expand("KMS:generatedatakey") == {"kms:GenerateDataKey"}
}

test_success_expand_question_mark if {
	"kms:ReEncryptTo" in iam.expand("kms:ReEncrypt?o")
	not "kms:ReEncryptFrom" in iam.expand("kms:ReEncrypt?o")
}

test_success_expand_service_wildcard if {
	"s3:GetObject" in iam.expand("s?:GetObject")
}

test_success_expand_unknown_is_empty if {
	iam.expand("kms:GenerareDataKey") == set()
	iam.expand("kms") == set()
	iam.expand("a:b:c") == set()
	not iam.known("kms:ReEncrypt")
}

test_success_glob_specials_are_literal if {
	iam.expand("s3:[G]etObject") == set()
	not iam.matches("arn:aws:s3:::{a,b}", "arn:aws:s3:::a")
}

test_success_star_expands_to_catalog if {
	count(iam.expand("*")) == count(iam.all_actions)
	count(iam.all_actions) > 15000
}

test_success_within if {
	iam.within("arn:aws:s3:::b/x/*", "arn:aws:s3:::b/*")
	iam.within("arn:aws:s3:::b", "arn:aws:s3:::b")
	not iam.within("arn:aws:s3:::b*", "arn:aws:s3:::b/*")
	not iam.within("*", "arn:aws:s3:::b/*")
}

test_success_arn_account if {
	iam.arn_account("arn:aws:iam::111111111111:role/x") == "111111111111"
	iam.arn_account("*") == ""
}

test_success_arn_parts if {
	iam.arn_parts("arn:aws:rds:us-east-1:111111111111:db:main") == ["aws", "rds", "us-east-1", "111111111111", "db:main"]
	not iam.arn_parts("*")
}

test_success_resource_types_by_segment if {
	iam.names_resource_of("arn:aws:s3:::bucket/key/deep", "s3:GetObject")
	not iam.names_resource_of("arn:aws:s3:::bucket", "s3:GetObject")
	iam.names_resource_of("arn:aws:s3:::bucket", "s3:ListBucket")
	not iam.names_resource_of("arn:aws:s3:::bucket/*", "s3:ListBucket")
	iam.names_resource_of("arn:aws:s3:::*", "s3:GetObject")
	iam.names_resource_of("*", "sqs:ListQueues")
	not iam.names_resource_of("arn:aws:sqs:us-east-1:111111111111:q", "sqs:ListQueues")
	iam.names_resource_of("arn:aws:rds:*:*:snapshot:dspm-*", "rds:DeleteDBSnapshot")
	not iam.names_resource_of("arn:aws:rds:*:*:db:dspm-*", "rds:DeleteDBSnapshot")
	not iam.names_resource_of("arn:aws:ec2:*:*:instance/*", "s3:GetObject")
}

test_success_question_mark_takes_one_character if {
	not iam.matches("?", "")
	iam.matches("?", "a")
	not iam.matches("a?", "a")
	iam.matches("*", "")
}

test_success_prepared_pattern_matches_as_the_pattern_does if {
	prepared := iam.prepare("*DSPM*Scanner?")
	prepared == ["*dspm*scanner?", 12]
	iam.prepared_matches(prepared, "zscalerdspm-scanner1")
	not iam.prepared_matches(prepared, "zscalerdspm-scanner")
	not iam.prepared_matches(iam.prepare("[dspm]*"), "d")
	iam.prepared_matches(iam.prepare("[dspm]*"), "[dspm]-access")
}

test_success_statement_located_at_its_own_line if {
	here := {"file": "t.yaml", "line": 9, "logical": "R"}
	policy := {"name": "p", "location": {"file": "t.yaml", "line": 5, "logical": "R"}, "statement_locations": [null, here]}
	iam.statement(policy, 1, {}).location == here
}

test_success_statement_falls_back_to_its_policy if {
	policy := {"name": "p", "location": {"file": "t.yaml", "line": 5, "logical": "R"}, "statement_locations": [null]}
	iam.statement(policy, 0, {}).location.line == 5
	iam.statement({"name": "p"}, 0, {}).location == null
}

test_success_glob_regex_is_the_iam_pattern if {
	pattern := concat("", ["^", iam.glob_regex("arn:aws:s3:::my.bucket-?/*"), "$"])
	regex.match(pattern, "arn:aws:s3:::my.bucket-1/key/with/slashes")
	not regex.match(pattern, "arn:aws:s3:::myxbucket-1/key")
	not regex.match(pattern, "arn:aws:s3:::my.bucket-/key")
}
