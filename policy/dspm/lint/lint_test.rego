package dspm.lint_test

import data.dspm.lint

_kinds := {item.kind | some item in lint.items}

test_success_errata_are_reported if {
	some item in lint.items
	item.kind == "typo"
	item.action == "kms:GenerareDataKey"
	item.actions == ["kms:GenerateDataKey"]
	item.severity == "error"
	{"typo", "not-an-action", "duplicate-row", "table-header", "missing-column"} & _kinds == {
		"typo", "not-an-action", "duplicate-row", "table-header", "missing-column",
	}
}

test_success_wildcard_expansion_is_counted if {
	some item in lint.items
	item.kind == "wildcard"
	item.rows == ["access-r03"]
	item.action == "ec2:Describe*"
	count(item.actions) > 100
}

test_success_redundant_row if {
	some item in lint.items
	item.kind == "redundant-row"
	item.action == "s3:GetReplicationConfiguration"
	item.rows == ["target-r29", "target-r27"]
}

test_success_discovery_deny_against_target_get if {
	some item in lint.items
	item.kind == "contradiction"
	item.rows == ["resource-discovery-r11", "target-r27"]
	item.actions == ["s3:GetObject"]
}

test_success_summary if {
	lint.summary.error == 2
	lint.summary.info > 0
}
