# METADATA
# title: The vendor contract, as the deployment's parameters enable it
# description: |
#   Reads the contract rows (bundle data at data.dspm.contract) and the
#   parameters (input.params), and answers per role type: which rows apply,
#   which actions they document, and which scope classes each action has.
package dspm.lib.contract

import data.dspm.lib.iam

params := input.params

contract := data.dspm.contract

role_types := object.keys(contract.role_types)

# enabled_rows lists, per role type, the rows that apply to this deployment:
# not a repeated row, every feature they need switched on, and their data
# store (target role) onboarded.
enabled_rows := {role_type: rows |
	some role_type in role_types
	rows := [row |
		some row in contract.rows
		row.role == role_type
		row.duplicate_of == null
		row_enabled(row)
	]
}

row_enabled(row) if {
	every feature in row.features {
		params.features[feature] == true
	}
	_store_enabled(row)
}

_store_enabled(row) if row.data_store == null

_store_enabled(row) if row.data_store in params.features.data_stores

# row_actions is, per row id, the set of catalog actions the row documents.
# It reads the index compiled into the bundle (make index), which holds
# expanded_rows as evaluated when the catalog or the contract last changed.
row_actions := {id: {action | some action in actions} | some id, actions in data.dspm.index.row_actions}

# expanded_rows expands each row's actions against the catalog: the source of
# the compiled index, and the reference its unit test compares it with.
expanded_rows := {row.id: sort(iam.expand_all(row.actions)) | some row in contract.rows}

# documented is, per role type, every action its Allow rows document.
documented := {role_type: actions |
	some role_type, rows in enabled_rows
	actions := {action |
		some row in rows
		row.effect == "Allow"
		some action in row_actions[row.id]
	}
}

# class_actions is, per role type and scope class, the actions that the Allow
# rows of that class document.
class_actions := {role_type: by_class |
	some role_type, rows in enabled_rows
	allow := [row | some row in rows; row.effect == "Allow"]
	by_class := {class: actions |
		some class in {row.scope | some row in allow}
		actions := {action |
			some row in allow
			row.scope == class
			some action in row_actions[row.id]
		}
	}
}

# scopes is, per role type and documented action, the scope classes of the
# Allow rows that document it.
scopes := {role_type: by_action |
	some role_type, by_class in class_actions
	by_action := {action: classes |
		some action in documented[role_type]
		classes := {class | some class, actions in by_class; action in actions}
	}
}

# tagged is, per role type, the actions documented only for resources that
# DSPM created and tagged.
tagged := {role_type: actions |
	some role_type, by_class in class_actions
	others := {action | some class, listed in by_class; class != "tagged"; some action in listed}
	actions := object.get(by_class, "tagged", set()) - others
}

# denied_rows lists the rows that document an explicit Deny.
denied_rows := {role_type: rows |
	some role_type, all_rows in enabled_rows
	rows := [row | some row in all_rows; row.effect == "Deny"]
}

# scope_parameters names the parameter each scope class is judged against.
scope_parameters := {
	"orchestrator-account": "orchestrator_account_id",
	"evidence-bucket": "evidence_bucket",
	"evidence-key": "evidence_kms_key_arn",
	"export-bucket": "export_bucket",
	"dspm-queues": "dspm_queue_arns",
}

# unset_scope holds for a scope class whose parameter is not set.
unset_scope(class) if unset_parameter(scope_parameters[class])

unset_parameter(name) if object.get(params, name, null) in {null, "", []}

# role_scopes is, per role type, every scope class its enabled rows use.
role_scopes := {role_type: classes |
	some role_type, rows in enabled_rows
	classes := {row.scope | some row in rows}
}
