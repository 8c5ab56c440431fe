# METADATA
# title: Finding builder
# description: |
#   Builds every finding object from the metadata of the check that raises
#   it, so that ids, severities and remediation text live in one place.
package dspm.lib.finding

# annotations is the package METADATA of the check that calls it.
annotations(chain) := chain[count(chain) - 1].annotations

# new builds a finding: the check's metadata, the role's fields, then the
# fields particular to this finding (statement, action, message...).
new(meta, role, fields) := object.union_n([_base(meta), role, fields])

_base(meta) := {
	"check": meta.custom.check,
	"rule_id": meta.custom.id,
	"severity": meta.custom.severity,
	"title": meta.title,
	"role_type": null,
	"role": null,
	"arn": null,
	"account": null,
	"source": null,
	"policy": null,
	"statement": null,
	"action": null,
	"actions": [],
	"resource": null,
	"message": "",
	"remediation": meta.custom.remediation,
	"location": null,
}

# statement_fields locates a finding at one statement of one policy, and at
# its file and line when the source gives them.
statement_fields(stmt) := object.union(
	{"policy": stmt.policy, "statement": {"index": stmt.index, "sid": stmt.sid}},
	located(object.get(stmt, "location", null)),
)

# located is the location field of a finding, or nothing when it is unknown
# (the role's place then stands).
located(location) := {} if location == null

located(location) := {"location": location} if location != null

# where describes a statement's place in words, for messages.
where(stmt) := sprintf("statement %d (%s) of policy %s", [stmt.index, stmt.sid, stmt.policy]) if {
	stmt.sid != null
} else := sprintf("statement %d of policy %s", [stmt.index, stmt.policy])

# sorted_list turns a set of actions into a sorted list.
sorted_list(values) := sort([value | some value in values])

severity_rank := {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
