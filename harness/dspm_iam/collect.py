"""Collect IAM authorization details and SCPs from AWS, read-only.

One account with the caller's credentials, or every active account of an
Organization through `sts:AssumeRole`. Every session and client carries the
read-only guard (`dspm_iam.guard`) and a per-account deadline; botocore's
adaptive retry mode absorbs throttling.
"""

from __future__ import annotations

import datetime
import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

from botocore.awsrequest import AWSPreparedRequest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from dspm_iam import __version__
from dspm_iam.errors import DspmIamError
from dspm_iam.guard import guarded_client, guarded_session

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_iam.literals import EntityTypeType
    from mypy_boto3_organizations import OrganizationsClient
    from mypy_boto3_sts import STSClient

logger = logging.getLogger(__name__)

DEFAULT_REGION = "us-east-1"
DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
DEFAULT_SESSION_NAME = "dspm-iam"
# Limitation: users and groups are not collected (no check reads them), so a
# snapshot is not a complete get-account-authorization-details answer for
# other tools; adding "User" and "Group" here would make it one.
DUMP_FILTER: tuple[EntityTypeType, ...] = (
    "Role",
    "LocalManagedPolicy",
    "AWSManagedPolicy",
)
DUMP_LISTS = ("RoleDetailList", "Policies")
SCP_FILTER: Final = "SERVICE_CONTROL_POLICY"
MANAGEMENT_ACCOUNT = "the Organization's management account: no SCP applies to it"
NO_ORGANIZATION = "the account is in no Organization: no SCP applies to it"
_DEADLINE_ID = "dspm-iam-account-deadline"
_NOT_IN_ORGANIZATION = "AWSOrganizationsNotInUseException"
_local = threading.local()


class CollectionError(DspmIamError):
    """The caller's own credentials or the account list could not be read."""


class AccountError(Exception):
    """One account could not be collected; the message says why."""


class AccountTimeout(AccountError):
    """The account's time (--account-timeout) ran out before its next request."""


class AssumeRoleError(AccountError):
    """sts:AssumeRole into a member account was refused."""


@dataclass(frozen=True)
class AwsOptions:
    """How to reach AWS: credentials, region, endpoint, retries and timeouts."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    max_attempts: int = 8
    connect_timeout: float = 10.0
    read_timeout: float = 60.0


@dataclass(frozen=True)
class AssumeOptions:
    """How to enter each member account of an Organization."""

    role_name: str = DEFAULT_ROLE_NAME
    external_id: str | None = None
    session_name: str = DEFAULT_SESSION_NAME


@dataclass(frozen=True)
class Account:
    """One AWS account to collect."""

    id: str
    name: str | None = None
    status: str = "ACTIVE"


@dataclass(frozen=True)
class ScpRecord:
    """The SCPs that apply to one account, as written to scps/<account>.json.

    `entries` has one item per policy and target it is attached to (the
    account, each OU above it, the root): name, id, arn, aws_managed, target,
    target_type and document, the shape `check --scp` reads. When the SCPs
    could not be read it holds one item with `unresolved` and the reason;
    when none apply (no Organization, the management account) it is empty.
    """

    entries: list[dict[str, Any]]
    readable: bool = True
    reason: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """What was collected from one account: its dump and the SCPs that apply."""

    account: Account
    dump: dict[str, Any]
    scps: ScpRecord


class AwsCollector:
    """Lists the accounts to scan and collects each one; safe to use from threads."""

    def __init__(self, aws: AwsOptions, assume: AssumeOptions | None) -> None:
        """Open the caller's session; assume is None to scan the caller's account."""
        self.mode = "account" if assume is None else "organization"
        self._aws = aws
        self._assume = assume
        self._config = Config(
            retries={"mode": "adaptive", "total_max_attempts": aws.max_attempts},
            connect_timeout=aws.connect_timeout,
            read_timeout=aws.read_timeout,
            user_agent_extra=f"dspm-iam/{__version__}",
        )
        try:
            self._session = guarded_session(aws.profile, aws.region or None)
        except BotoCoreError as error:
            profile = f"--profile {aws.profile}" if aws.profile else "AWS_PROFILE"
            raise CollectionError(
                f"{profile}: expected a profile of the AWS configuration ({error})"
            ) from None
        self._session.events.register(
            "before-send", _check_deadline, unique_id=_DEADLINE_ID
        )
        self._lock = threading.Lock()
        self._sts = cast("STSClient", self._client("sts"))
        self._organizations = cast("OrganizationsClient", self._client("organizations"))
        self._caller, self._partition = self._identity()
        self._scps = ScpReader(self._organizations)

    def accounts(self) -> list[Account]:
        """The caller's account, or every account of the Organization."""
        if self._assume is None:
            return [Account(self._caller)]
        try:
            return list(_organization_accounts(self._organizations))
        except (ClientError, BotoCoreError) as error:
            raise CollectionError(
                f"organizations:ListAccounts: expected to list the Organization's "
                f"accounts as {self._caller} ({error})"
            ) from None

    def collect(self, account: Account, timeout: float) -> Snapshot:
        """The account's authorization details and SCPs, within timeout seconds."""
        try:
            with deadline(timeout):
                iam = self._iam(account)
                dump = authorization_details(iam)
                scps = self._scps.read(account.id)
        except (ClientError, BotoCoreError) as error:
            raise AccountError(str(error)) from None
        logger.debug(
            "account %s: %d roles, %d managed policies",
            account.id,
            len(dump["RoleDetailList"]),
            len(dump["Policies"]),
        )
        return Snapshot(account=account, dump=dump, scps=scps)

    def role_arn(self, account_id: str) -> str:
        """The ARN of the role assumed in a member account."""
        role = self._assume.role_name if self._assume else DEFAULT_ROLE_NAME
        return f"arn:{self._partition}:iam::{account_id}:role/{role}"

    def _iam(self, account: Account) -> IAMClient:
        if self._assume is None or account.id == self._caller:
            return cast("IAMClient", self._client("iam"))

        arn = self.role_arn(account.id)
        try:
            credentials = self._sts.assume_role(**_assume_params(arn, self._assume))
        except ClientError as error:
            raise AssumeRoleError(f"sts:AssumeRole {arn}: {error}") from None
        logger.debug("account %s: assumed %s", account.id, arn)

        granted = credentials["Credentials"]
        client = self._client(
            "iam",
            aws_access_key_id=granted["AccessKeyId"],
            aws_secret_access_key=granted["SecretAccessKey"],
            aws_session_token=granted["SessionToken"],
        )
        return cast("IAMClient", client)

    def _client(self, service: str, **credentials: str) -> BaseClient:
        options: dict[str, Any] = dict(credentials)
        if self._aws.endpoint_url:
            options["endpoint_url"] = self._aws.endpoint_url
        if self._session.region_name is None:
            options["region_name"] = DEFAULT_REGION
        # boto3 sessions are not safe to create clients from in parallel.
        with self._lock:
            return guarded_client(self._session, service, self._config, **options)

    def _identity(self) -> tuple[str, str]:
        try:
            identity = self._sts.get_caller_identity()
        except (ClientError, BotoCoreError) as error:
            raise CollectionError(
                "sts:GetCallerIdentity: expected AWS credentials from --profile "
                f"or the default credential chain ({error})"
            ) from None

        arn = str(identity.get("Arn", ""))
        partition = arn.split(":")[1] if arn.count(":") >= 2 else "aws"
        logger.info("caller account %s", identity["Account"])
        return str(identity["Account"]), partition


class ScpReader:
    """Reads the SCPs that apply to an account, caching what accounts share.

    The account's parents (organizational units up to the root), the policies
    attached to each and their documents are cached by id: their number grows
    with the Organization's structure, not with its accounts.
    """

    def __init__(self, organizations: OrganizationsClient) -> None:
        """Read through this (guarded) Organizations client."""
        self._client = organizations
        self._management: str | None = None
        self._parents: dict[str, dict[str, str] | None] = {}
        self._attached: dict[str, list[dict[str, Any]]] = {}
        self._documents: dict[str, Any] = {}

    def read(self, account_id: str) -> ScpRecord:
        """The account's SCPs, or why they could not be read."""
        try:
            if account_id == self._management_account():
                return ScpRecord([], reason=MANAGEMENT_ACCOUNT)
            return ScpRecord(self._entries(self._targets(account_id)))
        except ClientError as error:
            if _code(error) == _NOT_IN_ORGANIZATION:
                return ScpRecord([], reason=NO_ORGANIZATION)
            return unreadable_scps(account_id, str(error))
        except BotoCoreError as error:
            return unreadable_scps(account_id, str(error))

    def _management_account(self) -> str:
        if self._management is None:
            answer = self._client.describe_organization()
            self._management = answer["Organization"]["MasterAccountId"]
        return self._management

    def _targets(self, account_id: str) -> list[dict[str, str]]:
        targets = [{"id": account_id, "type": "ACCOUNT"}]
        parent = self._parent(account_id, cache=False)
        while parent is not None:
            targets.append(parent)
            parent = self._parent(parent["id"], cache=True)
        return targets

    def _parent(self, child: str, *, cache: bool) -> dict[str, str] | None:
        if cache and child in self._parents:
            return self._parents[child]
        if child.startswith("r-"):
            return None

        paginator = self._client.get_paginator("list_parents")
        pages = paginator.paginate(ChildId=child)
        parents = [parent for page in pages for parent in page["Parents"]]
        found = (
            {"id": parents[0]["Id"], "type": parents[0]["Type"]} if parents else None
        )
        if cache:
            self._parents[child] = found
        return found

    def _entries(self, targets: list[dict[str, str]]) -> list[dict[str, Any]]:
        return [
            {
                "name": summary.get("Name"),
                "id": summary["Id"],
                "arn": summary.get("Arn"),
                "aws_managed": bool(summary.get("AwsManaged", False)),
                "target": target["id"],
                "target_type": target["type"],
                "document": self._document(summary["Id"]),
            }
            for target in targets
            for summary in self._attached_to(target)
        ]

    def _attached_to(self, target: dict[str, str]) -> list[dict[str, Any]]:
        if target["type"] != "ACCOUNT" and target["id"] in self._attached:
            return self._attached[target["id"]]

        paginator = self._client.get_paginator("list_policies_for_target")
        pages = paginator.paginate(TargetId=target["id"], Filter=SCP_FILTER)
        attached = [dict(policy) for page in pages for policy in page["Policies"]]
        if target["type"] != "ACCOUNT":
            self._attached[target["id"]] = attached
        return attached

    def _document(self, policy_id: str) -> Any:
        if policy_id not in self._documents:
            answer = self._client.describe_policy(PolicyId=policy_id)
            self._documents[policy_id] = _parsed(answer["Policy"]["Content"])
        return self._documents[policy_id]


def unreadable_scps(account_id: str, reason: str) -> ScpRecord:
    """The record of SCPs the caller may not read: one unresolved entry."""
    logger.warning("account %s: SCPs not readable: %s", account_id, reason)
    entry = {
        "name": f"for account {account_id}",
        "target": account_id,
        "unresolved": reason,
    }
    return ScpRecord([entry], readable=False, reason=reason)


def scp_status(entries: list[dict[str, Any]]) -> tuple[bool, str | None]:
    """Whether the SCPs written for an account were readable, and if not why."""
    for entry in entries:
        if "unresolved" in entry:
            return False, str(entry["unresolved"])
    return True, None


def authorization_details(iam: IAMClient) -> dict[str, Any]:
    """Every page of get-account-authorization-details, joined into one dump."""
    dump: dict[str, Any] = {key: [] for key in DUMP_LISTS}
    paginator = iam.get_paginator("get_account_authorization_details")
    for page in paginator.paginate(Filter=list(DUMP_FILTER)):
        for key in DUMP_LISTS:
            dump[key].extend(page.get(key, []))
    dump["IsTruncated"] = False
    return dump


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Refuse to send any request of this thread once seconds have passed."""
    _local.deadline = (time.monotonic() + seconds, seconds)
    try:
        yield
    finally:
        _local.deadline = None


def to_json(value: Any) -> Any:
    """JSON encoder default: AWS timestamps as ISO 8601 text."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    raise TypeError(f"expected a JSON value, found {type(value).__name__}")


# Limitation: the deadline is checked before each HTTP request, retries
# included; a request already in flight runs to its own read timeout, so an
# account may overrun --account-timeout by up to --read-timeout. Closing the
# connection from another thread would lift this.
def _check_deadline(request: AWSPreparedRequest, **_: Any) -> None:
    current = getattr(_local, "deadline", None)
    if current is not None and time.monotonic() > current[0]:
        raise AccountTimeout(f"timed out after {current[1]:g} s (--account-timeout)")


def _assume_params(arn: str, assume: AssumeOptions) -> dict[str, Any]:
    params: dict[str, Any] = {"RoleArn": arn, "RoleSessionName": assume.session_name}
    if assume.external_id is not None:
        params["ExternalId"] = assume.external_id
    return params


def _organization_accounts(organizations: OrganizationsClient) -> Iterator[Account]:
    paginator = organizations.get_paginator("list_accounts")
    for page in paginator.paginate():
        for entry in page["Accounts"]:
            status = str(entry.get("State") or entry.get("Status") or "UNKNOWN")
            yield Account(str(entry["Id"]), entry.get("Name"), status)


def _parsed(content: str) -> Any:
    try:
        return json.loads(content)
    except json.JSONDecodeError:
        return content


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
