"""Bad inputs and the one-line errors they give, shared by the loader, params
and command-line tests (the same file must give the same message everywhere)."""

from __future__ import annotations

import pytest

from dspm_iam.params import ROLE_TYPES

BAD_INPUT_CASES = [
    pytest.param(
        "malformed.json",
        "expected JSON (line 4 column 50: Expecting property name enclosed "
        "in double quotes)",
        id="malformed",
    ),
    pytest.param(
        "truncated.json",
        "expected JSON (line 5 column 14: Unterminated string starting at)",
        id="truncated",
    ),
    pytest.param(
        "list.json",
        "expected an IAM policy document, a role, a "
        "get-account-authorization-details dump, a CloudFormation template or "
        "a Terraform plan; found a JSON list",
        id="list",
    ),
    pytest.param(
        "not-iam.json",
        "expected an IAM policy document, a role, a "
        "get-account-authorization-details dump, a CloudFormation template or "
        "a Terraform plan; found a JSON object with "
        "keys name, permissions",
        id="not-iam",
    ),
    pytest.param(
        "statement-without-effect.json",
        "policy statement-without-effect.json: statement 0 (Read): expected "
        "Effect Allow or Deny, found no Effect",
        id="statement-without-effect",
    ),
    pytest.param(
        "action-number.json",
        "role DSPM-Target inline policy target-s3: statement 0 (S3Read): "
        "expected Action to be a string or a list of strings, found the "
        "value 42",
        id="action-number",
    ),
]

BAD_PARAMS_CASES = [
    pytest.param(
        "yaml-syntax.yaml",
        "expected YAML or JSON (line 4 column 15: mapping values are not allowed here)",
        id="yaml-syntax",
    ),
    pytest.param(
        "account-id.yaml",
        "orchestrator_account_id: expected a string matching ^[0-9]{12}$, "
        'found "11111111111"',
        id="account-id",
    ),
    pytest.param(
        "unknown-role-type.yaml",
        "roles.scaner: unknown role type; expected one of " + ", ".join(ROLE_TYPES),
        id="unknown-role-type",
    ),
    pytest.param(
        "unknown-key.yaml",
        "orchestrator_account: unknown key; expected one of "
        "orchestrator_account_id, dspm_tag, evidence_bucket, "
        "evidence_kms_key_arn, export_bucket, dspm_queue_arns, "
        "vendor_principals, external_id, features, roles",
        id="unknown-key",
    ),
    pytest.param(
        "wrong-type.yaml",
        'features.custom_network: expected true or false, found "yes"',
        id="wrong-type",
    ),
]
