# METADATA
# title: Action reaches beyond its documented resources
# description: |
#   Actions the contract limits to the evidence bucket, the evidence KMS key,
#   the DSPM export bucket, the DSPM queues or an account must name only those
#   resources. An ARN in another account, another bucket or key, a wider
#   pattern, or NotResource reaches further than DSPM needs.
# custom:
#   check: resource-scope
#   id: DSPM-SCOPE-001
#   severity: high
#   remediation: |
#     Name only the documented resources in Resource: the bucket ARN and
#     BUCKET/*, the key ARN, the queue ARNs, or ARNs in the expected account.
package dspm.checks.resource_scope

import data.dspm.lib.contract
import data.dspm.lib.finding
import data.dspm.lib.iam
import data.dspm.lib.roles

meta := finding.annotations(rego.metadata.chain())

findings contains result if {
	some index in roles.checked
	role_type := roles.role_type[index]
	some position, stmt in roles.statements[index]
	stmt.effect == "Allow"
	scoped := (roles.granted[index][position] & _scoped[role_type]) & roles.effective[index]
	count(scoped) > 0
	some resource in _reach(stmt)
	unfit := scoped - _fitting(role_type, resource, object.get(input.roles[index], "account", null))
	count(unfit) > 0
	some entry in iam.action_entries(stmt)
	candidates := roles.entry_actions(index, position, entry) & unfit
	beyond := {action | some action in candidates; _reaches(resource, action)}
	count(beyond) > 0

	result := finding.new(meta, roles.role_fields(index), object.union(finding.statement_fields(stmt), {
		"action": iam.entry_label(stmt, entry),
		"actions": finding.sorted_list(beyond),
		"resource": resource,
		"message": sprintf(
			"%s in %s reaches %s, beyond the %s scope the contract documents",
			[iam.entry_label(stmt, entry), finding.where(stmt), resource, _scope_words(role_type, beyond)],
		),
	}))
}

# _scoped lists, per role type, the documented actions whose resources are
# judged here: those no row documents on all resources, on tagged resources
# (judged by the tag-scope check) or on a scope whose parameter is not set
# (reported by the unresolved check). A statement that grants none of them
# is passed over whole, its entries unread.
_scoped[role_type] := contract.documented[role_type] - union({actions |
	some class, actions in by_class
	_fits_every_resource(class)
}) if {
	some role_type, by_class in contract.class_actions
}

_fits_every_resource(class) if class in {"all-resources", "tagged"}

_fits_every_resource(class) if contract.unset_scope(class)

# _reach lists what a statement's resources reach: each Resource entry, or
# for NotResource everything but the listed ones.
_reach(stmt) := stmt.resources if not stmt.uses_not_resource

_reach(stmt) := [sprintf("NotResource %s", [concat(", ", stmt.not_resources)])] if stmt.uses_not_resource

# _reaches holds when a Resource entry names something the action acts on:
# "*" on an action that accepts only "*" reaches nothing beyond it, and an
# ARN of another resource type (a bucket for an object action) grants nothing.
_reaches(resource, action) if {
	resource != "*"
	not startswith(resource, "NotResource ")
	not has_variable(resource)
	iam.names_resource_of(resource, action)
}

_reaches("*", action) if count(iam.resource_types(action)) > 0

_reaches(resource, _) if startswith(resource, "NotResource ")

# has_variable holds for a Resource entry with a policy variable such as
# ${aws:username}: what it names depends on the request, so the unresolved
# check reports it instead of this one.
has_variable(resource) if contains(resource, "${")

# _fitting lists the documented actions of a role type that a resource stays
# within: those of every scope class the resource fits.
_fitting(role_type, resource, account) := union({actions |
	some class, actions in contract.class_actions[role_type]
	fits(class, resource, account)
})

# fits holds when a resource stays within one scope class. A scope whose
# parameter is not set is not judged here: the unresolved check reports it.
fits(class, _, _) if contract.unset_scope(class)

fits("all-resources", _, _)

# Tag scoping is judged by the tag-scope check, on the statement's condition.
fits("tagged", _, _)

# Limitation: a bare policy document has no account; its monitored-account
# ARNs are then accepted whatever account they name.
fits("monitored-account", _, account) if account == null

fits("monitored-account", resource, account) if _in_account(resource, account)

fits("orchestrator-account", resource, _) if _in_account(resource, input.params.orchestrator_account_id)

fits("evidence-bucket", resource, _) if _in_bucket(resource, input.params.evidence_bucket)

fits("export-bucket", resource, _) if _in_bucket(resource, input.params.export_bucket)

fits("evidence-key", resource, _) if resource == input.params.evidence_kms_key_arn

fits("dspm-queues", resource, _) if {
	some queue in input.params.dspm_queue_arns
	iam.within(resource, queue)
}

# Limitation: `*` and an ARN whose account field is a wildcard are accepted
# for account scopes: an identity policy alone cannot reach another account's
# resources unless that account's resource policy also grants it.
_in_account(resource, _) if iam.arn_account(resource) == ""

_in_account(resource, _) if iam.has_wildcard(iam.arn_account(resource))

_in_account(resource, account) if iam.arn_account(resource) == account

_in_bucket(resource, bucket) if {
	some allowed in [sprintf("arn:aws:s3:::%s", [bucket]), sprintf("arn:aws:s3:::%s/*", [bucket])]
	iam.within(resource, allowed)
}

_scope_words(role_type, actions) := concat(" or ", sort({class |
	some action in actions
	some class in contract.scopes[role_type][action]
}))
