"""What the issues ask for by name, stated once for every test that checks it."""

from __future__ import annotations

# The check values a finding may carry: the seven of the contract,
# `unresolved` for what the input does not say, and `waiver` for waivers that
# expired or match nothing.
CHECKS = {
    "required-deny",
    "tag-scope",
    "resource-scope",
    "excess-permission",
    "missing-permission",
    "trust-policy",
    "unknown-action",
    "unresolved",
    "waiver",
}
