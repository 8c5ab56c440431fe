# METADATA
# title: Waiver that no longer applies
# description: |
#   Applies the waivers of input.waivers: a waiver names the findings it
#   accepts (check or rule id, role glob, action glob, account glob), why,
#   who owns the decision and until when. A waived finding is suppressed and
#   does not fail the run. A waiver past its expiry date suppresses nothing
#   and is a finding of its own; a waiver that matches no finding is stale.
# custom:
#   check: waiver
#   id: DSPM-WAIVER-001
#   severity: high
#   remediation: |
#     Fix what the waiver covered, or renew the decision with a new expiry
#     date; delete waivers that match nothing.
package dspm.waivers

import data.dspm.lib.finding
import data.dspm.lib.iam

meta := finding.annotations(rego.metadata.chain())

entries := object.get(input, "waivers", [])

# today is the date waivers are judged on: the harness passes it in
# input.options.today (YYYY-MM-DD); without it, the evaluation's clock.
today := object.get(object.get(input, "options", {}), "today", time.format([time.now_ns(), "UTC", "2006-01-02"]))

# active lists the index of every waiver still in force today.
active contains index if {
	some index, waiver in entries
	waiver.expires >= today
}

# checked_findings are the findings of every check, before waivers apply.
checked_findings contains result if {
	some name
	some result in data.dspm.checks[name].findings
}

# matches holds when a waiver covers a finding. Unnamed fields match
# anything; a waiver never covers the findings about waivers.
matches(waiver, result) if {
	result.check != meta.custom.check
	_equal_if_named(waiver, "check", result.check)
	_equal_if_named(waiver, "rule_id", result.rule_id)
	_glob_if_named(waiver, "role", result.role)
	_glob_if_named(waiver, "account", result.account)
	_action_matches(waiver, result)
}

_equal_if_named(waiver, key, _) if not key in object.keys(waiver)

_equal_if_named(waiver, key, value) if waiver[key] == value

_glob_if_named(waiver, key, _) if not key in object.keys(waiver)

_glob_if_named(waiver, key, value) if {
	is_string(value)
	iam.matches(waiver[key], value)
}

_action_matches(waiver, _) if not "action" in object.keys(waiver)

_action_matches(waiver, result) if {
	is_string(result.action)
	iam.matches(waiver.action, result.action)
}

_action_matches(waiver, result) if {
	some action in result.actions
	iam.matches(waiver.action, action)
}

# suppression is what a finding carries when the first active waiver that
# matches it accepts it; undefined when none does.
suppression(result) := _summary(entries[index]) if {
	index := min({index | some index in active; matches(entries[index], result)})
}

_summary(waiver) := {
	"id": waiver.id,
	"reason": waiver.reason,
	"owner": waiver.owner,
	"expires": waiver.expires,
	"location": object.get(waiver, "location", null),
}

# matched counts, per waiver, the findings it covers.
matched[index] := count([1 | some result in checked_findings; matches(waiver, result)]) if {
	some index, waiver in entries
}

# status says of each waiver whether it applied, expired or matches nothing.
status[index] := "expired" if {
	some index, _ in entries
	not index in active
}

status[index] := "stale" if {
	some index in active
	matched[index] == 0
}

status[index] := "applied" if {
	some index in active
	matched[index] > 0
}

# listing is the report's account of every waiver read.
listing := [object.union(_summary(waiver), {"status": status[index], "matched": matched[index]}) |
	some index, waiver in entries
]

findings contains result if {
	some index, waiver in entries
	status[index] == "expired"
	result := finding.new(meta, _waiver_fields(waiver), {"message": sprintf(
		"waiver %s (owner %s) expired on %s: the %d finding(s) it covered count again",
		[waiver.id, waiver.owner, waiver.expires, matched[index]],
	)})
}

findings contains result if {
	some index, waiver in entries
	status[index] == "stale"
	result := finding.new(meta, _waiver_fields(waiver), {
		"rule_id": "DSPM-WAIVER-002",
		"severity": "low",
		"message": sprintf("waiver %s (owner %s) matches no finding: delete it or correct its fields", [waiver.id, waiver.owner]),
	})
}

_waiver_fields(waiver) := {
	"source": object.get(object.get(waiver, "location", {}), "file", null),
	"location": object.get(waiver, "location", null),
}
