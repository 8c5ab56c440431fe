# METADATA
# title: Action or pattern matches no real IAM action
# description: |
#   An Allow statement names an action, or a pattern, that matches nothing in
#   the catalog of real IAM actions: a typo (often copied from documentation)
#   or an action AWS has removed. It grants nothing, so the permission it was
#   meant to give is probably missing.
# custom:
#   check: unknown-action
#   id: DSPM-UNKNOWN-001
#   severity: medium
#   remediation: |
#     Correct the action name against the AWS Service Authorization Reference,
#     or remove it.
package dspm.checks.unknown_action

import data.dspm.lib.finding
import data.dspm.lib.iam
import data.dspm.lib.roles

meta := finding.annotations(rego.metadata.chain())

findings contains result if {
	some index in roles.checked
	some stmt in roles.statements[index]
	stmt.effect == "Allow"
	some entry in array.concat(stmt.actions, stmt.not_actions)

	count(roles.expansions[entry]) == 0
	kind := _kind(entry)

	result := finding.new(meta, roles.role_fields(index), object.union(finding.statement_fields(stmt), {
		"rule_id": _rule_ids[kind],
		"action": entry,
		"message": sprintf(
			"%s in %s matches no action in the IAM catalog: %s",
			[entry, finding.where(stmt), _explanation(kind, entry)],
		),
	}))
}

_rule_ids := {"typo": "DSPM-UNKNOWN-001", "legacy": "DSPM-UNKNOWN-002", "unknown": "DSPM-UNKNOWN-003"}

# _kind tells a typo (a real action is spelled almost the same) from an
# action AWS's own managed policies still name (removed or renamed by AWS, or
# newer than the catalog) and from an action nothing explains.
_kind(entry) := "legacy" if {
	lower(entry) in {action | some action in data.dspm.catalog.legacy.actions}
} else := "typo" if {
	suggestion(entry)
} else := "unknown"

_explanation("typo", entry) := sprintf("a typo of %s?", [suggestion(entry)])

_explanation("legacy", _) := sprintf(
	"AWS managed policies still name it, so AWS removed or renamed it, or it is newer than the catalog (%s)",
	[data.dspm.catalog.version],
)

_explanation("unknown", _) := "no real action is spelled like it"

# suggestion is the real action spelled most like an unknown literal action:
# within its service (or the service spelled most like its prefix), the name
# sharing the most letter pairs, if they share at least 70% of them.
suggestion(entry) := best[1] if {
	not iam.has_wildcard(entry)
	parts := split(lower(entry), ":")
	count(parts) == 2
	service := _nearest_service(parts[0])
	scored := sort([[_similarity(parts[1], key), concat(":", [service, canonical])] |
		some key, canonical in data.dspm.catalog.services[service]
	])
	best := scored[count(scored) - 1]
	best[0] >= 0.7
}

_nearest_service(prefix) := prefix if {
	data.dspm.catalog.services[prefix]
} else := best[1] if {
	scored := sort([[_similarity(prefix, service), service] | some service, _ in data.dspm.catalog.services])
	best := scored[count(scored) - 1]
	best[0] >= 0.7
}

# _similarity is the Dice coefficient of two words' letter pairs.
_similarity(left, right) := (2 * count(_pairs(left) & _pairs(right))) / (count(_pairs(left)) + count(_pairs(right))) if {
	count(_pairs(left)) + count(_pairs(right)) > 0
}

_pairs(word) := {substring(word, position, 2) | some position in numbers.range(0, count(word) - 2)} if {
	count(word) >= 2
} else := set()
