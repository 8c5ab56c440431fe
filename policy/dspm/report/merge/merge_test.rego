package dspm.report.merge_test

import data.dspm.lib.fixtures
import data.dspm.report
import data.dspm.report.merge

_named(name, account, role_type, statements) := object.union(fixtures.role(role_type, statements), {
	"name": name,
	"arn": sprintf("arn:aws:iam::%s:role/%s", [account, name]),
	"account": account,
})

_input(roles, fail_on) := {
	"params": fixtures.params,
	"options": {"fail_on": fail_on},
	"sources": [],
	"roles": roles,
}

_excess := [fixtures.allow(["s3:PutObject", "s3:GetObject"], "*")]

_roles := [
	_named("dspm-b", "333333333333", "get-evidence", _excess),
	_named("dspm-a", "222222222222", "get-evidence", []),
	_named("unrelated", "222222222222", null, _excess),
]

# _shard is what one shard's run reports about some of the roles.
_shard(roles, fail_on) := result if {
	result := report.result with input as _input(roles, fail_on)
}

_merged(shards, fail_on) := result if {
	result := merge.result with input as {
		"findings": [found | some shard in shards; some found in shard.findings],
		"roles": [role | some shard in shards; some role in shard.roles],
		"checks": {check | some shard in shards; some check, _ in shard.summary.by_check},
		"fail_on": fail_on,
	}
}

test_success_merge_equals_one_run if {
	one_run := _shard(_roles, "high")
	shards := [_shard([_roles[0]], "high"), _shard([_roles[1], _roles[2]], "high")]

	_merged(shards, "high") == one_run
	one_run.summary.failed == true
	count(one_run.findings) > 0
}

test_success_merge_order_of_shards_does_not_matter if {
	first := _shard([_roles[0]], "medium")
	second := _shard([_roles[1], _roles[2]], "medium")

	_merged([first, second], "medium") == _merged([second, first], "medium")
}

test_success_merge_threshold_never if {
	shards := [_shard([_roles[0]], "never"), _shard([_roles[1]], "never")]

	merged := _merged(shards, "never")

	merged.summary.failed == false
	merged.summary.findings > 0
}

test_fail_merge_one_failing_shard_fails_the_merge if {
	clean := _shard([_roles[2]], "high")
	failing := _shard([_roles[0]], "high")

	clean.summary.failed == false
	_merged([clean, failing], "high").summary.failed == true
}

test_success_merge_duplicates_removed if {
	shard := _shard([_roles[1]], "high")

	merged := _merged([shard, {"findings": shard.findings, "roles": [], "summary": shard.summary}], "high")

	merged.findings == shard.findings
	merged.summary == shard.summary
}

test_success_merge_counts_every_check_given if {
	merged := merge.result with input as {"findings": [], "roles": [], "checks": ["required-deny", "tag-scope"], "fail_on": "high"}

	merged == {
		"findings": [],
		"roles": [],
		"summary": {
			"roles_total": 0,
			"roles_checked": 0,
			"roles_unclassified": 0,
			"findings": 0,
			"suppressed": 0,
			"by_severity": {"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0},
			"by_check": {"required-deny": 0, "tag-scope": 0},
			"fail_on": "high",
			"failed": false,
		},
	}
}
