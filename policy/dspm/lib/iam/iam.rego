# METADATA
# title: IAM document helpers
# description: |
#   Normalises IAM policy documents once (a string or a list, a Statement
#   object or a list of them) and matches actions the way IAM does:
#   case-insensitive, with `*` and `?` as the only wildcards.
package dspm.lib.iam

# as_list turns the string-or-list fields of IAM documents into lists.
as_list(value) := value if is_array(value)

as_list(value) := [value] if not is_array(value)

# statements returns the document's statements as a list, whether the
# document holds one Statement object or a list of them.
statements(document) := as_list(object.get(document, "Statement", []))

# statement is the normalised form every check reads.
statement(policy, index, raw) := {
	"policy": object.get(policy, "name", object.get(policy, "arn", null)),
	"policy_arn": object.get(policy, "arn", null),
	"policy_kind": object.get(policy, "kind", "inline"),
	"index": index,
	"sid": object.get(raw, "Sid", null),
	"effect": object.get(raw, "Effect", ""),
	"actions": as_list(object.get(raw, "Action", [])),
	"not_actions": as_list(object.get(raw, "NotAction", [])),
	"uses_not_action": "NotAction" in object.keys(raw),
	"resources": as_list(object.get(raw, "Resource", [])),
	"not_resources": as_list(object.get(raw, "NotResource", [])),
	"uses_not_resource": "NotResource" in object.keys(raw),
	"condition": object.get(raw, "Condition", {}),
	"location": statement_location(policy, index),
}

# statement_location is where a statement is written: its own line when the
# source gives one, else its policy's place, else null.
statement_location(policy, index) := location if {
	location := object.get(policy, "statement_locations", [])[index]
	location != null
} else := object.get(policy, "location", null)

# unconditional holds for a statement without a Condition block.
unconditional(stmt) if count(stmt.condition) == 0

# every_resource holds when the statement applies to all resources.
every_resource(stmt) if {
	not stmt.uses_not_resource
	"*" in stmt.resources
}

# action_entries lists what a statement names: its Action entries, or its
# NotAction entries for a NotAction statement.
action_entries(stmt) := stmt.not_actions if stmt.uses_not_action

action_entries(stmt) := stmt.actions if not stmt.uses_not_action

# entry_label is how a finding quotes an action entry.
entry_label(stmt, entry) := sprintf("NotAction %s", [entry]) if stmt.uses_not_action

entry_label(stmt, entry) := entry if not stmt.uses_not_action

expand_all(patterns) := union({expand(pattern) | some pattern in patterns})

# expand returns the catalog actions, in the catalog's spelling, that an
# action or pattern matches. Unknown actions expand to nothing.
expand(pattern) := all_actions if pattern == "*"

expand(pattern) := _expand_parts(split(lower(pattern), ":")) if pattern != "*"

_expand_parts(parts) := set() if count(parts) != 2

_expand_parts(parts) := _expand_service(parts[0], parts[1]) if count(parts) == 2

_expand_service(prefix, name) := _expand_in(prefix, name) if not has_wildcard(prefix)

_expand_service(prefix, name) := {action |
	some service, _ in data.dspm.catalog.services
	glob_matches(prefix, service)
	some action in _expand_in(service, name)
} if {
	has_wildcard(prefix)
}

_expand_in(prefix, name) := {concat(":", [prefix, canonical])} if {
	not has_wildcard(name)
	canonical := data.dspm.catalog.services[prefix][name]
} else := {concat(":", [prefix, canonical]) |
	has_wildcard(name)
	pattern := glob_pattern(name)
	some key, canonical in data.dspm.catalog.services[prefix]
	glob.match(pattern, [], key)
}

# known holds when an action or pattern matches at least one real action.
known(pattern) if count(expand(pattern)) > 0

# all_actions is every action of the catalog. It reads the list compiled into
# the index (make index): joining 22,000 prefixes and names on every
# evaluation that meets a NotAction or a `*` cost several times more.
all_actions := {action | some action in data.dspm.index.all_actions}

# catalog_actions lists every action of the catalog, sorted: the source of
# the index's list, and what its unit test compares it with.
catalog_actions := sort([concat(":", [prefix, canonical]) |
	some prefix, actions in data.dspm.catalog.services
	some canonical in actions
])

has_wildcard(text) if contains(text, "*")

has_wildcard(text) if contains(text, "?")

# glob_pattern escapes the characters that OPA's glob treats as special but
# IAM does not, leaving `*` and `?` as the only wildcards.
glob_pattern(text) := strings.replace_n(
	{"\\": "\\\\", "[": "\\[", "]": "\\]", "{": "\\{", "}": "\\}"},
	text,
)

# glob_regex is the regular expression, unanchored, that an IAM pattern
# stands for: `*` is any text, `?` exactly one character, and every other
# character stands for itself.
glob_regex(pattern) := strings.replace_n(
	{
		"*": ".*", "?": ".", "\\": "\\\\", ".": "\\.", "+": "\\+", "(": "\\(",
		")": "\\)", "|": "\\|", "[": "\\[", "]": "\\]", "{": "\\{", "}": "\\}",
		"^": "\\^", "$": "\\$",
	},
	pattern,
)

# matches holds when an IAM pattern matches a value, ignoring case.
matches(pattern, value) if prepared_matches(prepare(pattern), lower(value))

# prepare turns a pattern into what prepared_matches needs: lowered and
# escaped, with the least length a value must have to match it. A pattern
# tried against many values is prepared once.
prepare(pattern) := [glob_pattern(lowered), count(replace(lowered, "*", ""))] if {
	lowered := lower(pattern)
}

# prepared_matches is matches for a prepared pattern and a lowered value.
prepared_matches(prepared, lowered) if {
	count(lowered) >= prepared[1]
	glob.match(prepared[0], [], lowered)
}

# glob_matches matches a value against an IAM pattern, case-sensitively.
# Each `?` and literal character takes exactly one character of the value:
# OPA's glob also lets a lone `?` match the empty string, which IAM does not.
glob_matches(pattern, value) if {
	count(value) >= count(replace(pattern, "*", ""))
	glob.match(glob_pattern(pattern), [], value)
}

# within holds when every string the resource pattern can match also matches
# the allowed pattern: the resource is the same or narrower. The resource's
# own wildcards are compared as plain characters, which is exact for the
# allowed patterns used here (a literal ARN, or one ending in `/*`).
within(resource, allowed) if resource == allowed

within(resource, allowed) if {
	resource != allowed
	has_wildcard(allowed)
	glob_matches(allowed, resource)
}

# arn_account is the account field of an ARN ("" for `*` or a non-ARN).
arn_account(resource) := parts[4] if {
	parts := split(resource, ":")
	count(parts) >= 6
	parts[0] == "arn"
} else := ""

# service_of is the service prefix of an action, lower-case.
service_of(action) := lower(split(action, ":")[0])

# arn_parts splits an ARN into partition, service, region, account and
# resource; the resource keeps any further colons.
arn_parts(value) := array.concat(
	array.slice(parts, 1, 5),
	[concat(":", array.slice(parts, 5, count(parts)))],
) if {
	parts := split(value, ":")
	count(parts) >= 6
	parts[0] == "arn"
}

# resource_types lists the catalog's resource types of an action, as ARN
# globs; an action with none accepts only "*".
resource_types(action) := [data.dspm.catalog.facts.resource_types[service][name] |
	parts := split(action, ":")
	service := lower(parts[0])
	some name in data.dspm.catalog.facts.actions[service][lower(parts[1])].resource_types
]

# names_resource_of holds when a Resource entry can name a resource the action
# acts on: "*" always does; an ARN must overlap one of the action's resource
# types, segment by segment (an object ARN is not a bucket ARN). An action
# with no resource types applies only to "*".
names_resource_of("*", _)

names_resource_of(resource, action) if {
	resource != "*"
	some pattern in resource_types(action)
	arn_overlaps(resource, pattern)
}

# arn_overlaps holds when some ARN matches both a Resource entry and a
# resource type's ARN glob.
arn_overlaps(resource, pattern) if {
	left := arn_parts(resource)
	right := arn_parts(pattern)
	every position in numbers.range(0, 3) {
		_segment_overlaps(left[position], right[position])
	}
	_resource_overlaps(left[4], right[4])
}

_segment_overlaps(left, right) if lower(left) == lower(right)

_segment_overlaps(left, _) if has_wildcard(left)

_segment_overlaps(_, right) if has_wildcard(right)

# A resource type's last placeholder may hold slashes (an object key), the
# others may not.
_resource_overlaps(resource, pattern) if glob.match(_typed(pattern), ["/"], resource)

# A Resource entry's own wildcards match anything, slashes included: it
# overlaps when some completion of its literal prefix fits the type.
# Limitation: only the text before the entry's first wildcard is compared,
# so an entry is occasionally taken to reach a type it cannot.
_resource_overlaps(resource, pattern) if {
	has_wildcard(resource)
	prefix := _literal_prefix(resource)
	some completion in [prefix, concat("", [prefix, "x"]), concat("", [prefix, "x/x"])]
	glob.match(_typed(pattern), ["/"], completion)
}

_resource_overlaps(resource, pattern) if {
	has_wildcard(resource)
	startswith(_literal_prefix(pattern), _literal_prefix(resource))
}

# A resource segment that is one placeholder (a bucket or queue name) holds
# no slash; a trailing placeholder after other text (a key, a path) may.
_typed("*") := "*"

_typed(pattern) := glob_pattern(concat("", [trim_suffix(pattern, "*"), "**"])) if {
	pattern != "*"
	endswith(pattern, "*")
}

_typed(pattern) := glob_pattern(pattern) if not endswith(pattern, "*")

_literal_prefix(text) := regex.split(`[*?]`, text)[0]
