"""What the issues ask for by name, stated once for every test that checks it."""

from __future__ import annotations

# The check values a finding may carry: the seven of the contract, and
# `unresolved` for what the input does not say.
CHECKS = {
    "required-deny",
    "tag-scope",
    "resource-scope",
    "excess-permission",
    "missing-permission",
    "trust-policy",
    "unknown-action",
    "unresolved",
}
