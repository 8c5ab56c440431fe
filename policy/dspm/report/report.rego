# METADATA
# title: Report
# description: |
#   Gathers the findings of every check under data.dspm.checks, the roles and
#   their classification, and the summary that decides the exit status.
package dspm.report

import data.dspm.lib.finding
import data.dspm.lib.roles

# checks maps each check id to its metadata.
checks := {meta.custom.check: meta |
	some name
	meta := data.dspm.checks[name].meta
}

findings := sort_findings([result |
	some name
	some result in data.dspm.checks[name].findings
])

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

summary := summarize(findings, role_list, object.keys(checks), fail_on)

# summarize counts roles and findings and decides whether the run failed: at
# least one finding at or above fail_on (never: no finding fails the run).
summarize(all_findings, all_roles, check_ids, threshold) := {
	"roles_total": count(all_roles),
	"roles_checked": _checked_count(all_roles),
	"roles_unclassified": count(all_roles) - _checked_count(all_roles),
	"findings": count(all_findings),
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
} else := false

result := {
	"findings": findings,
	"roles": role_list,
	"summary": summary,
}

# metadata is what a report says of the data it was judged with: the
# catalog's source, version and date, and the contract's source and errata.
metadata := {
	"catalog": {key: data.dspm.catalog[key] | some key in {"source", "version", "updated_at"}},
	"contract": {key: data.dspm.contract[key] | some key in {"source", "errata"}},
}
