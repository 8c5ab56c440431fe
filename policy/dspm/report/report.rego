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

# sort_findings orders findings by account, role, check, then location.
sort_findings(unsorted) := [unsorted[index] |
	some key in sort([_key(result, position) | some position, result in unsorted])
	index := key[count(key) - 1]
]

_key(result, position) := [
	_text(result.account),
	_text(result.role),
	result.check,
	_text(result.policy),
	_statement_index(result.statement),
	_text(result.action),
	_text(result.resource),
	position,
]

_statement_index(statement) := sprintf("%06d", [statement.index]) if is_object(statement)

_statement_index(statement) := "" if not is_object(statement)

_text(value) := "" if value == null

_text(value) := sprintf("%v", [value]) if value != null

role_list := [{
	"name": role.name,
	"arn": object.get(role, "arn", null),
	"account": object.get(role, "account", null),
	"source": object.get(role, "source", null),
	"role_type": object.get(roles.role_type, index, null),
	"checked": index in roles.checked,
} |
	some index, role in input.roles
]

default failed := false

fail_on := object.get(object.get(input, "options", {}), "fail_on", "high")

failed if {
	fail_on != "never"
	some result in findings
	finding.severity_rank[result.severity] >= finding.severity_rank[fail_on]
}

summary := {
	"roles_total": count(input.roles),
	"roles_checked": count(roles.checked),
	"roles_unclassified": count(input.roles) - count(roles.checked),
	"findings": count(findings),
	"by_severity": {severity: count([1 | some result in findings; result.severity == severity]) |
		some severity, _ in finding.severity_rank
	},
	"by_check": {check: count([1 | some result in findings; result.check == check]) |
		some check, _ in checks
	},
	"fail_on": fail_on,
	"failed": failed,
}

result := {
	"findings": findings,
	"roles": role_list,
	"summary": summary,
}
