package dspm.lib.contract_test

import data.dspm.lib.contract
import data.dspm.lib.fixtures
import data.dspm.lib.iam

test_success_index_matches_catalog if {
	data.dspm.index.catalog_version == data.dspm.catalog.version
	data.dspm.index.row_actions == contract.expanded_rows
	data.dspm.index.all_actions == iam.catalog_actions
}

test_success_every_row_expands if {
	every id, actions in contract.expanded_rows {
		count(actions) > 0
		id != ""
	}
}

test_success_documented_follows_features if {
	plain := contract.documented with input as fixtures.input_for("orchestrator", [])
	not "tiros:CreateQuery" in plain.orchestrator

	parameters := object.union(fixtures.params, {"features": object.union(fixtures.params.features, {"custom_network": true})})
	enabled := contract.documented with input as fixtures.input_with(fixtures.role("orchestrator", []), parameters)
	"tiros:CreateQuery" in enabled.orchestrator
}

test_success_duplicate_rows_kept_once if {
	rows := contract.enabled_rows with input as fixtures.input_for("resource-discovery", [])
	ids := {row.id | some row in rows["resource-discovery"]}
	"resource-discovery-r04" in ids
	not "resource-discovery-r07" in ids
}

test_success_tagged_actions if {
	tagged := contract.tagged with input as fixtures.input_for("orchestrator", [])
	"rds:DeleteDBSnapshot" in tagged.orchestrator
	not "rds:CreateDBInstance" in tagged.orchestrator
}
