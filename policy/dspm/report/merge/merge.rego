# METADATA
# title: Merged report
# description: |
#   Joins the findings and roles of shard reports into the result one run over
#   every shard's inputs gives: the same order, the same summary and the same
#   verdict. input.findings and input.roles are the shards' lists joined;
#   input.checks the check ids the shards counted; input.fail_on their
#   threshold.
package dspm.report.merge

import data.dspm.report

# findings are deduplicated as the checks' sets deduplicate them in one run.
findings := report.sort_findings([result | some result in {result | some result in input.findings}])

roles := report.sort_roles(input.roles)

# check_ids are the checks the shards counted, and any a finding names.
check_ids := {check | some check in input.checks} | {result.check | some result in input.findings}

result := {
	"findings": findings,
	"roles": roles,
	"summary": report.summarize(findings, roles, check_ids, input.fail_on),
}
