package dspm.report_test

import data.dspm.lib.fixtures
import data.dspm.report

_named(name, role_type, statements) := object.union(fixtures.role(role_type, statements), {"name": name})

_input(roles, fail_on) := object.union(fixtures.input_with(roles[0], fixtures.params), {
	"roles": roles,
	"options": {"fail_on": fail_on},
})

_clean_get_evidence := [fixtures.allow(
	["s3:GetObjectAcl", "s3:GetObject", "s3:GetBucketAcl", "s3:GetBucketLocation", "s3:ListBucket"],
	["arn:aws:s3:::acme-dspm-evidence", "arn:aws:s3:::acme-dspm-evidence/*"],
)]

test_success_classification_by_glob if {
	roles := [
		_named("ZscalerDSPM-GetEvidence-Role", null, _clean_get_evidence),
		_named("AdminRole", null, [fixtures.allow("*", "*")]),
	]
	result := report.result with input as _input(roles, "high")
	[[r.name, r.role_type] | some r in result.roles] == [["AdminRole", null], ["ZscalerDSPM-GetEvidence-Role", "get-evidence"]]
	result.summary.roles_total == 2
	result.summary.roles_checked == 1
	result.summary.roles_unclassified == 1
}

test_success_summary_counts_and_threshold if {
	result := report.result with input as _input([_named("x", "get-evidence", _clean_get_evidence)], "high")
	result.summary.by_severity == {"critical": 0, "high": 0, "medium": 1, "low": 0, "info": 0}
	result.summary.by_check["missing-permission"] == 1
	result.summary.failed == false
	result.summary.findings == 1
}

test_fail_threshold_medium if {
	result := report.result with input as _input([_named("x", "get-evidence", _clean_get_evidence)], "medium")
	result.summary.failed == true
}

test_success_threshold_never if {
	result := report.result with input as _input([_named("x", "get-evidence", [fixtures.allow("*", "*")])], "never")
	result.summary.failed == false
	result.summary.by_check["excess-permission"] > 0
}

test_success_every_check_listed if {
	result := report.result with input as _input([_named("x", "get-evidence", [])], "high")
	object.keys(result.summary.by_check) == {
		"required-deny", "tag-scope", "resource-scope", "excess-permission",
		"missing-permission", "trust-policy", "unknown-action", "unresolved",
		"waiver",
	}
}

test_success_findings_sorted if {
	roles := [_named("b", "get-evidence", []), _named("a", "get-evidence", [])]
	result := report.result with input as _input(roles, "high")
	names := [f.role | some f in result.findings]
	names == sort(names)
	count(names) > 0
}

test_success_no_roles if {
	result := report.result with input as {"params": fixtures.params, "options": {"fail_on": "high"}, "sources": [], "roles": []}
	result.findings == []
	result.summary.failed == false
}

test_success_roles_sorted_by_account_then_name if {
	roles := [
		object.union(_named("b", "get-evidence", []), {"account": "333333333333"}),
		object.union(_named("c", "get-evidence", []), {"account": "222222222222"}),
		object.union(_named("a", "get-evidence", []), {"account": "333333333333"}),
		object.union(_named("z", "get-evidence", []), {"account": null}),
	]
	result := report.result with input as _input(roles, "high")
	[[r.account, r.name] | some r in result.roles] == [
		[null, "z"],
		["222222222222", "c"],
		["333333333333", "a"],
		["333333333333", "b"],
	]
}

test_success_sort_findings_ignores_the_order_given if {
	ordered := report.result.findings with input as _input([_named("x", "get-evidence", [fixtures.allow("*", "*")])], "high")
	reversed := [ordered[count(ordered) - 1 - i] | some i, _ in ordered]

	count(ordered) > 1
	report.sort_findings(reversed) == ordered
}

test_success_summarize_counts_given_lists if {
	findings := [
		{"check": "tag-scope", "severity": "high"},
		{"check": "tag-scope", "severity": "medium"},
	]
	roles := [{"checked": true}, {"checked": false}]

	report.summarize(findings, roles, {"tag-scope", "unresolved"}, "critical") == {
		"roles_total": 2,
		"roles_checked": 1,
		"roles_unclassified": 1,
		"findings": 2,
		"suppressed": 0,
		"by_severity": {"critical": 0, "high": 1, "medium": 1, "low": 0, "info": 0},
		"by_check": {"tag-scope": 2, "unresolved": 0},
		"fail_on": "critical",
		"failed": false,
	}
}

_excess_input(extra) := object.union(_input([_named("x", "get-evidence", [fixtures.allow("*", "*")])], "high"), extra)

test_success_fingerprint_ignores_line_and_position if {
	moved := {"location": {"file": "b.yaml", "line": 90, "logical": "Target"}, "statement": {"index": 4, "sid": "S"}}
	placed := {"location": {"file": "a.yaml", "line": 12, "logical": "Target"}, "statement": {"index": 0, "sid": "S"}}
	base := {"check": "tag-scope", "rule_id": "DSPM-TAG-001", "account": null, "role": "r", "policy": "p", "action": "s3:*", "resource": "*", "actions": []}

	report.fingerprint(object.union(base, moved)) == report.fingerprint(object.union(base, placed))
}

test_success_fingerprint_tells_roles_apart if {
	base := {"check": "tag-scope", "rule_id": "DSPM-TAG-001", "account": null, "role": "r", "policy": "p", "statement": null, "action": "s3:*", "resource": "*", "actions": []}

	report.fingerprint(base) != report.fingerprint(object.union(base, {"role": "other"}))
}

test_success_waived_findings_do_not_fail if {
	waiver := {"id": "w", "role": "x", "reason": "r", "owner": "o", "expires": "2999-01-01"}
	result := report.result with input as _excess_input({"waivers": [waiver]})

	result.summary.suppressed == count(result.findings)
	result.summary.by_check["excess-permission"] > 0
	every f in result.findings {
		f.suppression.id == "w"
	}
	result.summary.failed == false
	[w.status | some w in result.waivers] == ["applied"]
}

test_fail_baseline_new_finding_fails if {
	result := report.result with input as _excess_input({"baseline": {"findings": []}})

	result.summary.failed == true
	result.summary.baseline.new == count(result.findings)
	result.resolved == []
}

test_success_baseline_known_findings_do_not_fail if {
	previous := report.result.findings with input as _excess_input({})
	result := report.result with input as _excess_input({"baseline": {"findings": previous}})

	result.summary.failed == false
	{f.baseline | some f in result.findings} == {"known"}
}

test_success_baseline_lists_what_was_resolved if {
	gone := {
		"check": "tag-scope", "rule_id": "DSPM-TAG-001", "severity": "high", "account": null,
		"role": "gone", "policy": "p", "statement": null, "action": "s3:*", "resource": "*", "actions": [],
	}
	result := report.result with input as _excess_input({"baseline": {"findings": [gone]}})

	[f.role | some f in result.resolved] == ["gone"]
	result.summary.baseline.resolved == 1
}

test_success_no_baseline_no_baseline_fields if {
	result := report.result with input as _excess_input({})

	not "resolved" in object.keys(result)
	not "baseline" in object.keys(result.summary)
	every f in result.findings {
		not "baseline" in object.keys(f)
		count(f.fingerprint) == 64
	}
}

test_success_overview_lists_the_checked_roles_by_index if {
	roles := [
		{"name": "AdminRole"},
		{"name": "ZscalerDSPM-GetEvidence-Role"},
		{"name": "ops", "role_type": "target"},
	]
	overview := report.overview with input as {"params": fixtures.params, "roles": roles}
	overview.checked == [1, 2]
	overview.metadata == report.metadata
}

test_success_overview_leaves_out_ambiguous_roles if {
	params := object.union(fixtures.params, {"roles": {"target": ["shared-*"], "get-evidence": ["shared-*"]}})
	overview := report.overview with input as {"params": params, "roles": [{"name": "shared-role"}]}
	overview.checked == []
}

test_success_answer_is_the_overview_when_asked if {
	roles := [{"name": "ZscalerDSPM-GetEvidence-Role"}]
	answer := report.answer with input as {"ask": "overview", "params": fixtures.params, "roles": roles}
	answer.checked == [0]
}

test_success_answer_is_the_result_by_default if {
	given := _input([_named("x", "get-evidence", _clean_get_evidence)], "high")
	answer := report.answer with input as given
	answer == report.result with input as given
}
