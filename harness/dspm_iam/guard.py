"""Keep every AWS call of a scan read-only.

A guard is installed on the event hooks of every session and client the scan
creates. It runs before botocore builds a request and refuses any operation
that is not in `ALLOWED_CALLS`, so a write never leaves the process.
"""

from __future__ import annotations

import logging
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.hooks import BaseEventHooks
from botocore.model import OperationModel

from dspm_iam.errors import DspmIamError

logger = logging.getLogger(__name__)

ALLOWED_CALLS: frozenset[tuple[str, str]] = frozenset(
    {
        ("sts", "GetCallerIdentity"),
        ("sts", "AssumeRole"),
        ("iam", "GetAccountAuthorizationDetails"),
        ("organizations", "DescribeOrganization"),
        ("organizations", "ListAccounts"),
        ("organizations", "ListParents"),
        ("organizations", "ListPoliciesForTarget"),
        ("organizations", "DescribePolicy"),
    }
)
GUARD_ID = "dspm-iam-read-only-guard"
_EVENT = "provide-client-params"


class ReadOnlyViolation(DspmIamError):
    """An AWS operation outside the allow-list was attempted and refused."""


def install_guard(events: BaseEventHooks) -> None:
    """Register the guard on a session's or client's event hooks (idempotent)."""
    events.register(_EVENT, refuse_unlisted, unique_id=GUARD_ID)


def refuse_unlisted(model: OperationModel, **_: Any) -> None:
    """Raise ReadOnlyViolation unless the operation is an allowed read call."""
    service = model.service_model.service_name
    if (service, model.name) in ALLOWED_CALLS:
        return

    logger.warning("refused %s:%s: not an allowed read call", service, model.name)
    allowed = ", ".join(f"{name}:{call}" for name, call in sorted(ALLOWED_CALLS))
    raise ReadOnlyViolation(
        f"{service}:{model.name}: refused by the read-only guard; expected one "
        f"of {allowed}"
    )


def guarded_session(profile: str | None, region: str | None) -> boto3.Session:
    """A boto3 session whose clients all carry the guard."""
    session = boto3.Session(profile_name=profile, region_name=region)
    install_guard(session.events)
    return session


def guarded_client(
    session: boto3.Session, service: str, config: Config, **options: Any
) -> BaseClient:
    """A client of the session with the guard installed on it, whatever the session.

    `options` are passed to `session.client` (endpoint_url, credentials).
    """
    client: BaseClient = session.client(  # type: ignore[call-overload]
        service, config=config, **options
    )
    install_guard(client.meta.events)
    return client
