# METADATA
# title: Report
# description: |
#   Gathers the findings of every check under data.dspm.checks, the roles and
#   their classification, and the summary that decides the exit status.
package dspm.report

import data.dspm.lib.finding
import data.dspm.lib.roles
import data.dspm.waivers

# checks maps each check id to its metadata; waivers are judged as a check.
checks[meta.custom.check] := meta if {
	some name
	meta := data.dspm.checks[name].meta
}

checks[waivers.meta.custom.check] := waivers.meta

# findings are the checks' and the waivers' findings, each with its
# fingerprint, its waiver when one accepts it, and its state against the
# baseline when one was given.
findings := sort_findings([annotate(result) |
	some result in waivers.checked_findings | waivers.findings
])

# annotate adds to a finding what the report knows beyond its check.
annotate(result) := object.union_n([
	result,
	{"fingerprint": fingerprint(result)},
	_suppression_field(result),
	_baseline_field(result),
])

_suppression_field(result) := {"suppression": waivers.suppression(result)}

_suppression_field(result) := {} if not waivers.suppression(result)

_baseline_field(result) := {"baseline": _baseline_state(result)} if _has_baseline == true

_baseline_field(_) := {} if _has_baseline == false

_baseline_state(result) := "known" if fingerprint(result) in _baseline_fingerprints

_baseline_state(result) := "new" if not fingerprint(result) in _baseline_fingerprints

_has_baseline := is_object(object.get(input, "baseline", null))

_baseline_fingerprints := {fingerprint(result) | some result in input.baseline.findings}

# fingerprint identifies a finding across runs: what was found where, by
# name, never by line or position, so that moving a statement keeps it.
fingerprint(result) := crypto.sha256(json.marshal([
	result.check,
	result.rule_id,
	result.account,
	result.role,
	_logical(result),
	result.policy,
	_sid(result.statement),
	result.action,
	result.resource,
	result.actions,
]))

_logical(result) := object.get(result, ["location", "logical"], null)

_sid(statement) := statement.sid if is_object(statement)

_sid(statement) := null if not is_object(statement)

# resolved lists the baseline's findings that this run no longer raises.
resolved := sort_findings([object.union(result, {"fingerprint": fingerprint(result)}) |
	some result in input.baseline.findings
	not fingerprint(result) in _current_fingerprints
])

_current_fingerprints := {result.fingerprint | some result in findings}

# sort_findings orders findings by account, role, check, then location. The
# finding itself breaks ties, so the order depends on the findings alone and a
# merge of shard reports sorts them exactly as one run does.
sort_findings(unsorted) := [key[count(key) - 1] |
	some key in sort([_finding_key(result) | some result in unsorted])
]

_finding_key(result) := [
	_text(result.account),
	_text(result.role),
	result.check,
	_text(result.policy),
	_statement_index(result.statement),
	_text(result.action),
	_text(result.resource),
	result,
]

_statement_index(statement) := sprintf("%06d", [statement.index]) if is_object(statement)

_statement_index(statement) := "" if not is_object(statement)

_text(value) := "" if value == null

_text(value) := sprintf("%v", [value]) if value != null

# sort_roles orders roles by account, name, source and ARN; the role itself
# breaks ties, so the order does not depend on the order the roles were read.
sort_roles(unsorted) := [key[count(key) - 1] |
	some key in sort([_role_key(role) | some role in unsorted])
]

_role_key(role) := [_text(role.account), role.name, _text(role.source), _text(role.arn), role]

role_list := sort_roles([{
	"name": role.name,
	"arn": object.get(role, "arn", null),
	"account": object.get(role, "account", null),
	"source": object.get(role, "source", null),
	"role_type": object.get(roles.role_type, index, null),
	"checked": index in roles.checked,
} |
	some index, role in input.roles
])

fail_on := object.get(object.get(input, "options", {}), "fail_on", "high")

failed := summary.failed

summary := object.union(summarize(findings, role_list, object.keys(checks), fail_on), _baseline_summary)

_baseline_summary := {"baseline": {
	"new": count([1 | some result in findings; result.baseline == "new"]),
	"known": count([1 | some result in findings; result.baseline == "known"]),
	"resolved": count(resolved),
}} if _has_baseline == true

_baseline_summary := {} if _has_baseline == false

# summarize counts roles and findings and decides whether the run failed: at
# least one finding at or above fail_on (never: no finding fails the run)
# that no waiver accepts and that is not known from the baseline.
summarize(all_findings, all_roles, check_ids, threshold) := {
	"roles_total": count(all_roles),
	"roles_checked": _checked_count(all_roles),
	"roles_unclassified": count(all_roles) - _checked_count(all_roles),
	"findings": count(all_findings),
	"suppressed": count([1 | some result in all_findings; result.suppression]),
	"by_severity": {severity: count([1 | some result in all_findings; result.severity == severity]) |
		some severity, _ in finding.severity_rank
	},
	"by_check": {check: count([1 | some result in all_findings; result.check == check]) |
		some check in check_ids
	},
	"fail_on": threshold,
	"failed": _failed(all_findings, threshold),
}

_checked_count(all_roles) := count([1 | some role in all_roles; role.checked])

_failed(all_findings, threshold) if {
	threshold != "never"
	some result in all_findings
	finding.severity_rank[result.severity] >= finding.severity_rank[threshold]
	not result.suppression
	object.get(result, "baseline", "new") == "new"
} else := false

result := object.union_n([
	{"findings": findings, "roles": role_list, "summary": summary},
	_optional("resolved", resolved, _has_baseline),
	_optional("waivers", waivers.listing, "waivers" in object.keys(input)),
])

_optional(key, value, wanted) := {key: value} if wanted

_optional(_, _, wanted) := {} if not wanted

# overview is what a harness asks first, with each role reduced to its name
# and identity: the report's metadata, and the index of every role the checks
# look at. The harness then sends the policies of those roles alone, so that a
# large account's other roles cost no more than their names.
overview := {
	"metadata": metadata,
	"checked": sort([index | some index in roles.checked]),
}

# answer is the one document the harness asks for: the overview when
# input.ask is "overview", the result otherwise. One query serves both because
# OPA prepares each distinct query once, at a cost above a small evaluation's.
answer := overview if {
	input.ask == "overview"
} else := result

# metadata is what a report says of the data it was judged with: the
# catalog's source, version and date, the contract's source and errata, and
# the checks the bundle holds.
metadata := {
	"catalog": {key: data.dspm.catalog[key] | some key in {"source", "version", "updated_at"}},
	"contract": {key: data.dspm.contract[key] | some key in {"source", "errata"}},
	"checks": [_check_entry(checks[check]) | some check in sort(object.keys(checks))],
}

_check_entry(meta) := {
	"check": meta.custom.check,
	"title": meta.title,
	"description": trim_space(meta.description),
	"severity": meta.custom.severity,
	"remediation": trim_space(meta.custom.remediation),
}
