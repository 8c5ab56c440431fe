# METADATA
# title: conftest and opa eval entry point
# description: |
#   Judges a file without the harness: a CloudFormation template, a Terraform
#   plan (or state), a get-account-authorization-details dump or one role, as
#   conftest or `opa eval` pass it in `input`. The file is adapted to the
#   harness's input shape, the report is evaluated with it, and each finding
#   becomes a `deny` message (at or above data.dspm.conftest_options.fail_on,
#   default high, and not suppressed by a waiver) or a `warn` message.
#   Parameters come from data.dspm.params over the schema's defaults
#   (data.dspm.defaults.params). Files of other shapes give nothing.
package dspm.conftest

import data.dspm.lib.finding
import data.dspm.lib.iam
import data.dspm.report

# Limitation: conftest's YAML parser drops CloudFormation short-form tags and
# keeps their value: `!Ref Foo` arrives as "Foo", `!Sub "arn:...:${X}"` as
# the bare string, `!If [C, a, b]` as a list. Such a plain string cannot be
# told from a literal, so a tag-stripped role name, ARN or action is judged
# as written. Long forms ({"Ref": ...}, {"Fn::...": ...}) are recognised and
# become unresolved values. Convert templates to JSON (cfn-flip) or use the
# dspm-iam command line, which reads the tags, to lift this.

# thresholds are the values data.dspm.conftest_options.fail_on may take.
thresholds := ["critical", "high", "medium", "low", "info", "never"]

default fail_on := "high"

# fail_on is the lowest severity that denies; lower ones warn.
fail_on := data.dspm.conftest_options.fail_on

default _user_params := {}

_user_params := data.dspm.params

# params are the user's deployment facts over the schema's defaults.
params := object.union(data.dspm.defaults.params, _user_params)

_bundle_loaded if {
	is_object(data.dspm.contract)
	is_object(data.dspm.defaults.params)
}

# setting_problems lists what is wrong with the parameters or the threshold.
setting_problems contains sprintf("data.dspm.params is %s: expected an object", [_quote(_user_params)]) if {
	not is_object(_user_params)
}

setting_problems contains problem if {
	some key in _unknown_keys
	problem := sprintf("data.dspm.params has the unknown key %s: expected the keys of the params schema", [key])
}

setting_problems contains sprintf("data.dspm.conftest_options.fail_on is %s: expected one of %s", [
	_quote(fail_on),
	concat(", ", thresholds),
]) if {
	not fail_on in thresholds
}

# Limitation: only the parameters' keys are checked here, not their values;
# `dspm-iam check --params` checks them against schemas/params.schema.json.
_unknown_keys contains key if {
	some key, _ in _user_params
	not key in object.keys(data.dspm.defaults.params)
}

_unknown_keys contains sprintf("%s.%s", [key, inner]) if {
	some key, value in _user_params
	defaults := data.dspm.defaults.params[key]
	is_object(defaults)
	some inner, _ in value
	not inner in object.keys(defaults)
}

# kind is the shape of the input; undefined for any other file.
kind := "cloudformation" if {
	is_object(input.Resources)
} else := "terraform-plan" if {
	is_object(_tf_root)
} else := "dump" if {
	is_array(input.RoleDetailList)
} else := "role" if {
	is_string(input.RoleName)
}

_ready if {
	_bundle_loaded
	count(setting_problems) == 0
	kind
}

# adapted is the input the harness would have built from the file. conftest
# does not tell a policy the file's name, so the source is called "input".
adapted := object.union(
	{
		"params": params,
		"options": {"fail_on": fail_on},
		"sources": [{"path": "input", "kind": kind, "truncated": _truncated}],
		"roles": [object.union(role, {"source": "input", "role_type": null}) | some role in roles],
	},
	_waivers,
)

_truncated := object.get(input, "IsTruncated", false) == true

# Waivers for this path are data.dspm.conftest_options.waivers, in the shape
# of schemas/waivers.schema.json's entries.
_waivers := {"waivers": data.dspm.conftest_options.waivers} if {
	is_array(data.dspm.conftest_options.waivers)
} else := {}

roles := cfn_roles if kind == "cloudformation"

roles := tf_roles if kind == "terraform-plan"

roles := [dump_role(raw, _dump_policies) | some raw in input.RoleDetailList; _is_role(raw)] if kind == "dump"

roles := [dump_role(input, {})] if kind == "role"

# findings are the report's findings for the adapted input.
findings := result if {
	_ready
	document := adapted
	result := report.findings with input as document
}

deny contains msg if {
	not _bundle_loaded
	msg := concat(" ", [
		"dspm: the bundle's data is not loaded (data.dspm.contract is undefined):",
		"add `--data policy` to conftest, or run `opa eval -b policy`",
	])
}

deny contains sprintf("dspm: %s", [problem]) if {
	_bundle_loaded
	some problem in setting_problems
}

deny contains sprintf("dspm: %s", [problem]) if {
	_ready
	some problem in unreadable
}

deny contains message(result) if {
	some result in findings
	denies(result, fail_on)
}

warn contains message(result) if {
	some result in findings
	not denies(result, fail_on)
}

warn contains sprintf("dspm: %s", [note]) if {
	_ready
	count(unreadable) == 0
	some note in notes
}

# denies holds for a finding at or above the threshold that no waiver
# suppresses.
denies(result, threshold) if {
	threshold != "never"
	not result.suppression
	finding.severity_rank[result.severity] >= finding.severity_rank[threshold]
}

# message is a finding in one line: rule id and check, role, action, message.
message(result) := concat(": ", [part |
	some part in [
		sprintf("%s %s", [result.rule_id, result.check]),
		_labelled("role", result.role),
		_labelled("", result.action),
		concat("", [result.message, _suppressed(object.get(result, "suppression", null))]),
	]
	part != ""
])

_labelled(_, value) := "" if value == null

_labelled(label, value) := trim_space(sprintf("%s %s", [label, value])) if value != null

_suppressed(null) := ""

_suppressed(suppression) := text if {
	is_string(suppression.id)
	is_string(suppression.reason)
	text := sprintf(" (suppressed by waiver %s: %s)", [suppression.id, suppression.reason])
} else := " (suppressed)" if {
	suppression != null
}

# unreadable says why a template or plan that has IAM resources gave
# nothing to judge: each resource was unreadable.
unreadable contains sprintf("the %s has %d IAM resource(s) and none could be read: %s", [
	_kind_words[kind],
	count(_iam_resources),
	concat("; ", sort({sprintf("%s: %s", [name, reason]) | some name, reason in _unreadable})),
]) if {
	count(_iam_resources) > 0
	count(_unreadable) == count(_iam_resources)
}

_kind_words := {"cloudformation": "CloudFormation template", "terraform-plan": "Terraform plan"}

_iam_resources := _cfn_iam if kind == "cloudformation"

_iam_resources := _tf_iam if kind == "terraform-plan"

_unreadable := _cfn_unreadable if kind == "cloudformation"

_unreadable := _tf_unreadable if kind == "terraform-plan"

# notes are the parts of a template that could not be read when others
# could; each becomes a warning.
notes contains note if {
	some name, reason in _cfn_unreadable
	type := template.Resources[name].Type
	not type in _cfn_policy_types
	note := sprintf("%s (%s) could not be read: %s", [name, type, reason])
}

notes contains note if {
	some name in _cfn_iam
	type := template.Resources[name].Type
	type in _cfn_policy_types
	not _cfn_attached_anywhere(name)
	note := sprintf("%s (%s) is attached to no role of the template, so it is not checked", [name, type])
}

notes contains note if {
	kind == "dump"
	some position, raw in input.RoleDetailList
	not _is_role(raw)
	note := sprintf("RoleDetailList[%d] could not be read: it is %s, not a role", [position, _quote(raw)])
}

# ---------------------------------------------------------------------------
# Policy documents

# document_problem says why a value is not a policy document the checks can
# read; undefined when it is one.
document_problem(document) := sprintf("the document is %s, not an object", [_quote(document)]) if {
	not is_object(document)
} else := "the document has no Statement" if {
	not "Statement" in object.keys(document)
} else := problem if {
	statements := iam.as_list(document.Statement)
	position := min({position | some position, raw in statements; _statement_problem(raw)})
	problem := sprintf("statement %d %s", [position, _statement_problem(statements[position])])
}

_statement_problem(raw) := sprintf("is %s, not an object", [_quote(raw)]) if {
	not is_object(raw)
} else := sprintf("has Effect %s, not Allow or Deny", [_quote(object.get(raw, "Effect", null))]) if {
	not object.get(raw, "Effect", null) in {"Allow", "Deny"}
} else := "names neither or both of Action and NotAction" if {
	count({key | some key in ["Action", "NotAction"]; key in object.keys(raw)}) != 1
} else := sprintf("has a %s that is not a string or a list of strings", [key]) if {
	key := min({key |
		some key in ["Action", "NotAction", "Resource", "NotResource"]
		key in object.keys(raw)
		not _strings(raw[key])
	})
}

_strings(value) if is_string(value)

_strings(value) if {
	is_array(value)
	every item in value {
		is_string(item)
	}
}

# with_document completes a policy entry with its document, or with why it
# cannot be read.
with_document(entry, document) := object.union(entry, {"document": document}) if {
	not document_problem(document)
} else := object.union(entry, {"unresolved": document_problem(document)})

# decoded turns a JSON (or URL-encoded JSON) string into its value.
decoded(value) := json.unmarshal(value) if {
	is_string(value)
	json.is_valid(value)
} else := json.unmarshal(urlquery.decode(value)) if {
	is_string(value)
	json.is_valid(urlquery.decode(value))
} else := value

# quote shows a value in a message: a string as it is, anything else as
# JSON, cut to 80 characters.
_quote(value) := _cut(value) if {
	is_string(value)
} else := _cut(json.marshal(value))

_cut(text) := text if {
	count(text) <= 80
} else := sprintf("%s...", [substring(text, 0, 77)])

_name(value, fallback) := value if {
	is_string(value)
	value != ""
} else := fallback

_list(value) := value if {
	is_array(value)
} else := [] if {
	value == null
} else := [value]

_account(arn) := parts[4] if {
	parts := split(arn, ":")
	count(parts) > 4
	regex.match(`^[0-9]{12}$`, parts[4])
} else := null

_string_or_null(value) := value if {
	is_string(value)
} else := null

# trust_unresolved is the role-level unresolved entry for a trust policy that
# cannot be read; the trust check then has nothing to judge.
_trust_unresolved(document, place) := [] if {
	document == null
} else := [] if {
	not document_problem(document)
} else := [{
	"what": "trust policy",
	"reason": document_problem(document),
	"policy": "trust policy",
	"location": place,
}]

# trust is the trust policy the checks read: null when it cannot be read.
_trust(document) := null if {
	document_problem(document)
} else := document

# ---------------------------------------------------------------------------
# CloudFormation

# Limitation: a resource's Condition is not evaluated, so a role or policy the
# template creates only under a condition is judged as if it were created;
# AWS::Serverless resources (SAM) and nested stacks are not read. Deploy-time
# values are resolved by the dspm-iam command line (--cfn-parameters).

_cfn_policy_types := {"AWS::IAM::Policy", "AWS::IAM::RolePolicy", "AWS::IAM::ManagedPolicy"}

# intrinsic holds for a CloudFormation function in its long form.
intrinsic(value) if {
	is_object(value)
	count(value) == 1
	some key, _ in value
	_function_name(key)
}

_function_name(key) if key == "Ref"

_function_name(key) if startswith(key, "Fn::")

# intrinsic_text is the string an intrinsic becomes: "${<function> <argument>}".
intrinsic_text(value) := sprintf("${%s %s}", [key, _argument(key, argument)]) if {
	some key, argument in value
}

_argument(function, argument) := argument if {
	is_string(argument)
} else := concat(".", argument) if {
	function == "Fn::GetAtt"
	_strings(argument)
} else := concat(argument[0], [_piece(item) | some item in argument[1]]) if {
	function == "Fn::Join"
	is_string(argument[0])
	is_array(argument[1])
} else := concat(" ", [_piece(item) | some item in argument]) if {
	is_array(argument)
} else := _quote(argument)

# piece shows one item of an intrinsic's argument; an intrinsic nested in it
# is shown in the same form when its own argument is a string.
_piece(item) := item if {
	is_string(item)
} else := sprintf("${%s %s}", [function, argument]) if {
	intrinsic(item)
	some function, argument in item
	is_string(argument)
} else := _quote(item)

_intrinsics contains [path, value] if {
	kind == "cloudformation"
	walk(input, [path, value])
	intrinsic(value)
}

_intrinsic_paths := {path | some [path, _] in _intrinsics}

_nested(path) if {
	some size in numbers.range(0, count(path) - 1)
	array.slice(path, 0, size) in _intrinsic_paths
}

# template is the input with every outermost intrinsic replaced by its text.
template := json.patch(input, [{"op": "replace", "path": path, "value": intrinsic_text(value)} |
	some [path, value] in _intrinsics
	not _nested(path)
]) if {
	kind == "cloudformation"
}

_cfn_of_type(type) := {logical: resource.Properties |
	some logical, resource in template.Resources
	is_object(resource)
	resource.Type == type
	is_object(resource.Properties)
}

_cfn_iam contains logical if {
	some logical, resource in template.Resources
	is_object(resource)
	resource.Type in _cfn_policy_types | {"AWS::IAM::Role"}
}

_cfn_unreadable[logical] := sprintf("its Properties are %s, not an object", [_quote(properties)]) if {
	some logical in _cfn_iam
	properties := object.get(template.Resources[logical], "Properties", null)
	not is_object(properties)
}

_cfn_unreadable[logical] := document_problem(properties.PolicyDocument) if {
	some logical in _cfn_iam
	template.Resources[logical].Type in _cfn_policy_types
	properties := template.Resources[logical].Properties
	is_object(properties)
	document_problem(object.get(properties, "PolicyDocument", null))
}

cfn_roles := [_cfn_role(logical, properties) | some logical, properties in _cfn_of_type("AWS::IAM::Role")]

_cfn_role(logical, properties) := {
	"name": _cfn_role_name(logical),
	"arn": null,
	"account": null,
	"location": _place(logical),
	"trust_policy": _trust(trust),
	"permissions_boundary": _cfn_boundary(object.get(properties, "PermissionsBoundary", null)),
	"policies": array.concat(
		array.concat(_cfn_inline(properties), _cfn_attached_inline(logical)),
		_cfn_managed(logical, properties),
	),
	"unresolved": _trust_unresolved(trust, _place(logical)),
} if {
	trust := object.get(properties, "AssumeRolePolicyDocument", null)
}

_place(logical) := {"file": "input", "line": null, "logical": logical}

# The role's name is its RoleName when written as a plain string, else its
# logical id.
_cfn_role_name(logical) := name if {
	name := input.Resources[logical].Properties.RoleName
	is_string(name)
} else := logical

_cfn_inline(properties) := [_cfn_inline_policy(sprintf("Policies[%d]", [position]), entry) |
	some position, entry in _list(object.get(properties, "Policies", null))
]

_cfn_inline_policy(place, entry) := with_document(
	_entry(_name(object.get(entry, "PolicyName", null), place), null, "inline"),
	object.get(entry, "PolicyDocument", null),
) if {
	is_object(entry)
} else := object.union(
	_entry(place, null, "inline"),
	{"unresolved": sprintf("the entry is %s, not a policy", [_quote(entry)])},
)

# entry starts the input's description of a policy.
_entry(name, arn, kind) := {"name": name, "arn": arn, "kind": kind}

_cfn_attached_inline(logical) := [with_document(
	_entry(_name(object.get(properties, "PolicyName", null), name), null, "inline"),
	object.get(properties, "PolicyDocument", null),
) |
	some type in ["AWS::IAM::Policy", "AWS::IAM::RolePolicy"]
	some name, properties in _cfn_of_type(type)
	_attaches(properties, logical)
]

# attaches holds when a policy's Roles (or a RolePolicy's RoleName) names
# the role: its logical id by Ref or as a tag-stripped string, or its name.
_attaches(properties, logical) if {
	some entry in _list(object.get(properties, "Roles", null))
	_names_role(entry, logical)
}

_attaches(properties, logical) if _names_role(object.get(properties, "RoleName", null), logical)

_names_role(entry, logical) if entry == logical

_names_role(entry, logical) if entry == sprintf("${Ref %s}", [logical])

_names_role(entry, logical) if entry == template.Resources[logical].Properties.RoleName

_cfn_attached_anywhere(name) if {
	properties := template.Resources[name].Properties
	is_object(properties)
	some logical, _ in _cfn_of_type("AWS::IAM::Role")
	_attaches(properties, logical)
}

_cfn_attached_anywhere(name) if {
	some _, properties in _cfn_of_type("AWS::IAM::Role")
	some entry in array.concat(
		_list(object.get(properties, "ManagedPolicyArns", null)),
		[object.get(properties, "PermissionsBoundary", null)],
	)
	_cfn_managed_name(entry) == name
}

_cfn_managed(logical, properties) := array.concat(
	[_cfn_managed_policy(name) | some name in _cfn_managed_names(logical, properties)],
	[_external(sprintf("ManagedPolicyArns[%d]", [position]), entry) |
		some position, entry in _list(object.get(properties, "ManagedPolicyArns", null))
		not _cfn_managed_name(entry)
	],
)

_cfn_managed_names(logical, properties) := {name |
	some name, managed in _cfn_of_type("AWS::IAM::ManagedPolicy")
	_attaches(managed, logical)
} | {name |
	some entry in _list(object.get(properties, "ManagedPolicyArns", null))
	name := _cfn_managed_name(entry)
}

# cfn_managed_name is the logical id of the template's managed policy an
# ARN entry refers to, by Ref or as a tag-stripped string.
_cfn_managed_name(entry) := name if {
	some name, _ in _cfn_of_type("AWS::IAM::ManagedPolicy")
	entry in {name, sprintf("${Ref %s}", [name])}
}

_cfn_managed_policy(name) := with_document(
	_entry(_name(object.get(properties, "ManagedPolicyName", null), name), sprintf("${Ref %s}", [name]), "managed"),
	object.get(properties, "PolicyDocument", null),
) if {
	properties := _cfn_of_type("AWS::IAM::ManagedPolicy")[name]
}

# external describes a managed policy the input names but does not hold.
_external(place, entry) := object.union(
	_entry(_last_segment(entry), entry, "managed"),
	{"unresolved": "its document is not in the input"},
) if {
	is_string(entry)
} else := object.union(
	_entry(place, _quote(entry), "managed"),
	{"unresolved": sprintf("%s is %s, not a policy ARN", [place, _quote(entry)])},
)

_last_segment(arn) := parts[count(parts) - 1] if {
	parts := split(arn, "/")
}

_cfn_boundary(value) := null if {
	value == null
} else := with_document({"arn": sprintf("${Ref %s}", [name])}, object.get(properties, "PolicyDocument", null)) if {
	name := _cfn_managed_name(value)
	properties := _cfn_of_type("AWS::IAM::ManagedPolicy")[name]
} else := _boundary(_external("PermissionsBoundary", value))

# boundary turns a policy description into a permissions boundary's.
_boundary(policy) := object.remove(policy, ["name", "kind"])

# ---------------------------------------------------------------------------
# Terraform plan (planned_values) or state (values)

_tf_root := input.planned_values if {
	is_object(input.planned_values)
} else := input.values if {
	is_string(input.terraform_version)
	is_object(input.values)
}

_tf_types := {"aws_iam_role", "aws_iam_role_policy", "aws_iam_policy", "aws_iam_role_policy_attachment"}

# tf_resources are the managed resources of the root module and of every
# child module, at any depth.
tf_resources := [resource |
	walk(_tf_root, [path, resource])
	count(path) >= 2
	path[count(path) - 2] == "resources"
	is_string(resource.type)
	is_string(resource.address)
	object.get(resource, "mode", "managed") == "managed"
]

_tf_of_type(type) := [resource | some resource in tf_resources; resource.type == type]

_values(resource) := resource.values if {
	is_object(resource.values)
} else := {}

_tf_iam contains resource.address if {
	some resource in tf_resources
	resource.type in _tf_types
}

_tf_unreadable[resource.address] := reason if {
	some resource in tf_resources
	resource.type in {"aws_iam_policy", "aws_iam_role_policy"}
	reason := _tf_policy(resource, {}).unresolved
}

tf_roles := [_tf_role(resource) | some resource in _tf_of_type("aws_iam_role")]

_tf_role(resource) := {
	"name": _name(object.get(values, "name", null), resource.name),
	"arn": _string_or_null(object.get(values, "arn", null)),
	"account": _account(object.get(values, "arn", "")),
	"location": _place(resource.address),
	"trust_policy": _trust(trust),
	"permissions_boundary": _tf_boundary(object.get(values, "permissions_boundary", null)),
	"policies": array.concat(
		array.concat(_tf_inline(resource), _tf_role_policies(resource)),
		_tf_managed(resource),
	),
	"unresolved": array.concat(_tf_unknown_trust(resource), _trust_unresolved(trust, _place(resource.address))),
} if {
	values := _values(resource)
	trust := _tf_trust(values)
}

_tf_trust(values) := decoded(values.assume_role_policy) if {
	is_string(values.assume_role_policy)
} else := null

_tf_unknown_trust(resource) := [] if {
	is_string(_values(resource).assume_role_policy)
} else := [{
	"what": "assume_role_policy",
	"reason": "it is known only after apply",
	"policy": "trust policy",
	"location": _place(resource.address),
}]

# tf_policy completes a policy entry with the document of a policy resource.
_tf_policy(resource, entry) := _tf_document(entry, object.get(_values(resource), "policy", null))

# tf_document reads a policy given as a JSON string; an absent value is one
# known only after apply.
_tf_document(entry, text) := with_document(entry, json.unmarshal(text)) if {
	is_string(text)
	json.is_valid(text)
} else := object.union(entry, {"unresolved": "its policy is not valid JSON"}) if {
	is_string(text)
} else := object.union(entry, {"unresolved": "its policy is known only after apply"})

# An inline_policy block with an empty policy only tells Terraform to remove
# inline policies written elsewhere; it holds none.
_tf_inline(resource) := [_tf_document(_entry(name, null, "inline"), object.get(block, "policy", null)) |
	some position, block in object.get(_values(resource), "inline_policy", [])
	is_object(block)
	object.get(block, "policy", null) != ""
	name := _name(object.get(block, "name", null), sprintf("%s.inline_policy[%d]", [resource.address, position]))
]

_tf_role_policies(role) := [_tf_policy(policy, _entry(name, null, "inline")) |
	some policy in _tf_of_type("aws_iam_role_policy")
	_tf_attaches(policy, role)
	name := _name(object.get(_values(policy), "name", null), policy.address)
]

_tf_managed(role) := array.concat(
	[_tf_attached(attachment) |
		some attachment in _tf_of_type("aws_iam_role_policy_attachment")
		_tf_attaches(attachment, role)
	],
	[_tf_managed_arn(arn, sprintf("%s.managed_policy_arns", [role.address])) |
		some arn in object.get(_values(role), "managed_policy_arns", [])
	],
)

# tf_attaches holds when a resource's role is the role: by its name in the
# planned values, or by a reference in the configuration when the name is
# known only after apply.
_tf_attaches(resource, role) if {
	name := _values(resource).role
	is_string(name)
	name == _values(role).name
}

_tf_attaches(resource, role) if _tf_refers(resource, "role", role)

# Limitation: references in the configuration name a resource without its
# count or for_each key, so an attachment made through a reference is given
# to every instance of the role. Name the role in the attachment to lift it.
_tf_refers(resource, attribute, target) if {
	expression := object.get(_tf_config, [_tf_base(resource.address), "expressions", attribute], {})
	some reference in object.get(expression, "references", [])
	_tf_base(concat("", [_tf_module(resource), reference])) == _tf_base(target.address)
}

_tf_base(address) := regex.replace(address, `\[[^\]]*\]`, "")

# tf_module is the module path of a resource's address ("module.m.", or "").
_tf_module(resource) := trim_suffix(_tf_base(resource.address), concat(".", [resource.type, resource.name]))

# tf_config maps each resource's address (module path included, without
# count or for_each keys) to its configuration.
_tf_config[address] := resource if {
	walk(input.configuration.root_module, [path, resource])
	count(path) >= 2
	path[count(path) - 2] == "resources"
	is_string(resource.address)
	address := concat("", [_config_module(path), resource.address])
}

_config_module(path) := concat("", [sprintf("module.%s.", [path[position + 1]]) |
	some position, step in path
	step == "module_calls"
])

_tf_attached(attachment) := _tf_policy(policy, _entry(_tf_policy_name(policy), _tf_arn(policy), "managed")) if {
	policy := _tf_attached_policies(attachment)[0]
} else := _tf_managed_arn(object.get(_values(attachment), "policy_arn", null), attachment.address)

_tf_attached_policies(attachment) := [policy |
	some policy in _tf_of_type("aws_iam_policy")
	_tf_same_policy(attachment, policy)
]

_tf_same_policy(attachment, policy) if {
	arn := _values(attachment).policy_arn
	is_string(arn)
	arn == _values(policy).arn
}

_tf_same_policy(attachment, policy) if _tf_refers(attachment, "policy_arn", policy)

_tf_policy_name(policy) := _name(object.get(_values(policy), "name", null), policy.address)

_tf_arn(policy) := _name(object.get(_values(policy), "arn", null), sprintf("%s.arn", [policy.address]))

# tf_managed_arn describes the managed policy an ARN names: a policy of the
# plan, one outside it, or one whose ARN is known only after apply.
_tf_managed_arn(arn, place) := _tf_policy(policy, _entry(_tf_policy_name(policy), arn, "managed")) if {
	policy := [policy | some policy in _tf_of_type("aws_iam_policy"); arn == _values(policy).arn][0]
} else := _external(place, arn) if {
	is_string(arn)
} else := object.union(
	_entry(place, sprintf("%s (known after apply)", [place]), "managed"),
	{"unresolved": "its ARN is known only after apply"},
)

# Limitation: a permissions boundary known only after apply is absent from the
# plan and so not applied: the checks see the role's own policies unbounded,
# which can report more, never less. The same holds for managed_policy_arns.
_tf_boundary(arn) := null if {
	not is_string(arn)
} else := null if {
	arn == ""
} else := _boundary(_tf_managed_arn(arn, "permissions_boundary"))

# ---------------------------------------------------------------------------
# get-account-authorization-details dump, or one of its roles

_is_role(raw) if {
	is_object(raw)
	is_string(raw.RoleName)
}

_dump_policies[arn] := input.Policies[position] if {
	some arn in {entry.Arn | some entry in input.Policies; is_string(entry.Arn)}
	position := min({position | some position, entry in input.Policies; entry.Arn == arn})
}

# dump_role shapes one element of RoleDetailList as the harness does, with
# the dump's managed policies (by ARN) at hand.
dump_role(raw, policies) := {
	"name": raw.RoleName,
	"arn": _string_or_null(object.get(raw, "Arn", null)),
	"account": _account(object.get(raw, "Arn", "")),
	"trust_policy": _trust(trust),
	"permissions_boundary": _dump_boundary(raw, policies),
	"policies": array.concat(_dump_inline(raw), _dump_managed(raw, policies)),
	"unresolved": _trust_unresolved(trust, null),
} if {
	trust := decoded(object.get(raw, "AssumeRolePolicyDocument", null))
}

_dump_inline(raw) := [with_document(
	_entry(_name(object.get(entry, "PolicyName", null), sprintf("RolePolicyList[%d]", [position])), null, "inline"),
	decoded(object.get(entry, "PolicyDocument", null)),
) |
	some position, entry in object.get(raw, "RolePolicyList", [])
	is_object(entry)
]

_dump_managed(raw, policies) := [object.union(
	_entry(_name(object.get(entry, "PolicyName", null), _last_segment(entry.PolicyArn)), entry.PolicyArn, "managed"),
	_dump_resolution(entry.PolicyArn, policies),
) |
	some entry in object.get(raw, "AttachedManagedPolicies", [])
	is_string(entry.PolicyArn)
]

_dump_boundary(raw, policies) := object.union({"arn": arn}, _dump_resolution(arn, policies)) if {
	arn := raw.PermissionsBoundary.PermissionsBoundaryArn
	is_string(arn)
} else := null

_dump_resolution(arn, policies) := {"unresolved": "not in the Policies list of the input"} if {
	not policies[arn]
} else := with_document({}, decoded(object.get(version, "Document", null))) if {
	version := _default_version(policies[arn])
} else := {"unresolved": "its Policies entry has no default version"}

_default_version(entry) := versions[position] if {
	versions := object.get(entry, "PolicyVersionList", [])
	position := min({position |
		some position, version in versions
		_is_default(version, object.get(entry, "DefaultVersionId", null))
	})
}

_is_default(version, _) if version.IsDefaultVersion == true

_is_default(version, default_id) if {
	default_id != null
	version.VersionId == default_id
}
