package dspm.waivers_test

import data.dspm.lib.fixtures
import data.dspm.waivers

_finding := {
	"check": "excess-permission", "rule_id": "DSPM-EXCESS-001", "role": "ZscalerDSPM-Target-Role",
	"account": "222222222222", "action": "s3:*", "actions": ["s3:PutObject", "s3:GetObject"],
}

_waiver(fields) := object.union({"id": "w", "reason": "r", "owner": "o", "expires": "2027-01-31"}, fields)

_today := {"options": {"today": "2026-12-03"}}

test_success_matches_check_role_and_account_globs if {
	waivers.matches(_waiver({"check": "excess-permission", "role": "zscalerdspm-*", "account": "2222*"}), _finding)
}

test_success_matches_one_of_the_actions if {
	waivers.matches(_waiver({"rule_id": "DSPM-EXCESS-001", "action": "s3:Get*"}), _finding)
}

test_success_action_glob_ignores_case if {
	waivers.matches(_waiver({"check": "excess-permission", "action": "S3:*"}), _finding)
}

test_fail_other_check if {
	not waivers.matches(_waiver({"check": "tag-scope"}), _finding)
}

test_fail_other_account if {
	not waivers.matches(_waiver({"check": "excess-permission", "account": "333333333333"}), _finding)
}

test_fail_role_named_but_finding_has_none if {
	not waivers.matches(_waiver({"check": "excess-permission", "role": "*"}), object.union(_finding, {"role": null}))
}

test_fail_never_waives_waiver_findings if {
	not waivers.matches(_waiver({"check": "waiver"}), object.union(_finding, {"check": "waiver"}))
}

test_success_expired_waiver_suppresses_nothing if {
	entries := [_waiver({"check": "excess-permission", "expires": "2026-12-02"})]

	not waivers.suppression(_finding) with input as object.union(_today, {"waivers": entries})
}

test_success_waiver_valid_on_its_expiry_day if {
	entries := [_waiver({"check": "excess-permission", "expires": "2026-12-03"})]

	waivers.suppression(_finding).id == "w" with input as object.union(_today, {"waivers": entries})
}

test_success_first_matching_waiver_wins if {
	entries := [
		_waiver({"id": "first", "check": "excess-permission"}),
		_waiver({"id": "second", "role": "*"}),
	]

	waivers.suppression(_finding).id == "first" with input as object.union(_today, {"waivers": entries})
}

test_fail_expired_waiver_is_a_finding if {
	location := {"file": "waivers.yaml", "line": 3, "logical": null}
	entries := [_waiver({"id": "old", "check": "tag-scope", "expires": "2026-01-31", "location": location})]
	findings := waivers.findings with input as object.union(fixtures.input_for("target", []), object.union(_today, {"waivers": entries}))

	[[f.rule_id, f.severity, f.source, f.location] | some f in findings] == [["DSPM-WAIVER-001", "high", "waivers.yaml", location]]
}

test_fail_stale_waiver_is_a_low_finding if {
	entries := [_waiver({"id": "unused", "check": "tag-scope", "role": "nobody"})]
	scope := object.union(fixtures.input_for("target", []), object.union(_today, {"waivers": entries}))

	[[f.rule_id, f.severity] | some f in waivers.findings] == [["DSPM-WAIVER-002", "low"]] with input as scope
	[w.status | some w in waivers.listing] == ["stale"] with input as scope
}
