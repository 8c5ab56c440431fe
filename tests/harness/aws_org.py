"""An AWS Organization in moto's server mode, and faults injected at the HTTP layer.

moto runs as a real HTTP server on 127.0.0.1 (a free port); boto3 reaches it
through --endpoint-url, with fake credentials set in the environment. Nothing
is sent anywhere else: the credential chain stops at the environment and the
instance metadata service is switched off.

Faults are botocore `before-send` handlers registered on every boto3 session
the scan opens: they answer a request with an HTTP error response of AWS's own
shape instead of sending it, so the scan meets them exactly as it would meet
AWS's answers (botocore parses them and its retry logic sees them).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from moto.server import ThreadedMotoServer

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
PARAMS = DATA / "params" / "all-features.yaml"
GOOD_TARGET = DATA / "roles" / "good" / "target.role.json"
GOOD_SCANNER = DATA / "roles" / "good" / "scanner.role.json"
BAD_TARGET_POLICY = DATA / "policies" / "bad" / "target-s3-full-access.json"

# Fake, recognisable values: the tests assert they never reach a log or a file.
ACCESS_KEY = "AKIADSPMIAMFAKE00001"
SECRET_KEY = "dspmIamFakeSecretKeyNeverToBeLogged00001"
SESSION_TOKEN = "dspmIamFakeSessionTokenNeverToBeLogged00001"
REGION = "us-east-1"
ORGANIZATION_ROLE = "OrganizationAccountAccessRole"
KINDS = ("compliant", "non-compliant", "without-dspm")
MANAGEMENT_KIND = "compliant"
_SETUP_SESSION = boto3.session.Session()


# Variables that would point boto3 at other credentials or endpoints.
UNSET = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


def aws_environment() -> dict[str, str]:
    """Environment variables that point boto3 at fake credentials only."""
    return {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(REPO / "tests" / "data" / "no-such-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(REPO / "tests" / "data" / "no-such-file"),
    }


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1 and a free port; yields its endpoint URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(
        ip_address="127.0.0.1", port=_free_port(), verbose=False
    )
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@dataclass
class Organization:
    """The accounts built in moto, by kind."""

    endpoint: str
    management: str
    kinds: dict[str, str] = field(default_factory=dict)
    in_unit: set[str] = field(default_factory=set)

    def of_kind(self, kind: str) -> list[str]:
        """Member account ids of one kind, sorted."""
        return sorted(a for a, k in self.kinds.items() if k == kind)


def build_organization(endpoint: str, members: int) -> Organization:
    """An Organization with members accounts, their DSPM roles and an SCP on an OU.

    The management account and one member in 25 have a compliant target role,
    one member in 25 a target role that grants s3:*, the others no DSPM role
    at all (evaluating a DSPM role is what costs time). Every third member
    sits in an OU with an extra SCP.
    """
    organizations = _client("organizations", endpoint)
    organization = organizations.create_organization(FeatureSet="ALL")
    management = organization["Organization"]["MasterAccountId"]
    root = organizations.list_roots()["Roots"][0]["Id"]
    unit = organizations.create_organizational_unit(ParentId=root, Name="Workloads")
    unit_id = unit["OrganizationalUnit"]["Id"]
    _attach_scp(organizations, unit_id)

    _create_roles(_client("iam", endpoint), MANAGEMENT_KIND)
    built = Organization(endpoint=endpoint, management=management)
    for number in range(members):
        account = organizations.create_account(
            AccountName=f"member-{number:03d}", Email=f"member-{number:03d}@example.com"
        )["CreateAccountStatus"]["AccountId"]
        if number % 3 == 1:
            organizations.move_account(
                AccountId=account, SourceParentId=root, DestinationParentId=unit_id
            )
            built.in_unit.add(account)
        kind = KINDS[min(number % 25, 2)]
        _create_roles(_member_iam(endpoint, account), kind)
        built.kinds[account] = kind
    return built


def _attach_scp(organizations: Any, target: str) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "organizations:LeaveOrganization",
                "Resource": "*",
            }
        ],
    }
    policy = organizations.create_policy(
        Content=json.dumps(document),
        Description="No leaving",
        Name="DenyLeaveOrganization",
        Type="SERVICE_CONTROL_POLICY",
    )
    organizations.attach_policy(
        PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=target
    )


def member_credentials(endpoint: str, account: str) -> dict[str, str]:
    """Temporary credentials of a member account, as the setup assumes them."""
    credentials: dict[str, str] = _client("sts", endpoint).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ORGANIZATION_ROLE}",
        RoleSessionName="dspm-iam-test-setup",
    )["Credentials"]
    return credentials


def _member_iam(endpoint: str, account: str) -> Any:
    credentials = member_credentials(endpoint, account)
    return _client(
        "iam",
        endpoint,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def _create_roles(iam: Any, kind: str) -> None:
    if kind == "without-dspm":
        return

    role = json.loads(GOOD_TARGET.read_text("utf-8"))
    iam.create_role(
        RoleName=role["RoleName"],
        AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"]),
    )
    inline = role["RolePolicyList"][0]
    document = inline["PolicyDocument"]
    if kind == "non-compliant":
        document = json.loads(BAD_TARGET_POLICY.read_text("utf-8"))
    iam.put_role_policy(
        RoleName=role["RoleName"],
        PolicyName=inline["PolicyName"],
        PolicyDocument=json.dumps(document),
    )


def _client(service: str, endpoint: str, **credentials: str) -> Any:
    # One session for the setup: a new session loads the service models anew.
    return _SETUP_SESSION.client(
        service, endpoint_url=endpoint, region_name=REGION, **credentials
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class Faults:
    """HTTP-layer faults: AssumeRole denied, throttled or slow IAM reads.

    `deny` accounts get a 403 AccessDenied for sts:AssumeRole. The first
    `throttle_first` other accounts to read get a 400 Throttling for their
    first iam:GetAccountAuthorizationDetails request (their retry succeeds);
    every such request of a `throttle_always` account gets one; a `slow`
    account's request waits `delay` seconds before its 400 Throttling. IAM
    requests are tied to accounts through the access keys that AssumeRole
    handed out (read from its parsed answer). Every credential seen is kept in
    `secrets`, for the tests that look for leaks.
    """

    def __init__(
        self,
        deny: frozenset[str] = frozenset(),
        throttle_first: int = 0,
        throttle_always: frozenset[str] = frozenset(),
        slow: frozenset[str] = frozenset(),
        delay: float = 0.0,
    ) -> None:
        self.deny = deny
        self.throttle_first = throttle_first
        self.throttle_always = throttle_always
        self.slow = slow
        self.delay = delay
        self.secrets: set[str] = {ACCESS_KEY, SECRET_KEY, SESSION_TOKEN}
        self._throttled: set[str | None] = set()
        self.sent: list[str] = []
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()

    def install(self, session: boto3.Session) -> None:
        """Register the handlers on a session's events (its clients inherit them)."""
        session.events.register("before-send", self._before_send)
        session.events.register("after-call.sts.AssumeRole", self._after_assume_role)

    def _before_send(
        self, request: AWSPreparedRequest, event_name: str, **_: Any
    ) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        with self._lock:
            self.sent.append(operation)
        if operation == "AssumeRole":
            return self._assume_role(request)
        if operation == "GetAccountAuthorizationDetails":
            return self._authorization_details(request)
        return None

    def _assume_role(self, request: AWSPreparedRequest) -> AWSResponse | None:
        body = (
            request.body.decode()
            if isinstance(request.body, bytes)
            else str(request.body)
        )
        role_arn = parse_qs(body).get("RoleArn", [""])[0]
        if role_arn.split(":")[4:5] and role_arn.split(":")[4] in self.deny:
            return _error(
                request, 403, "AccessDenied", f"not authorized to assume {role_arn}"
            )
        return None

    def _authorization_details(self, request: AWSPreparedRequest) -> AWSResponse | None:
        account = self._keys.get(_access_key(request))
        if account in self.slow:
            time.sleep(self.delay)
        if account in self.throttle_always | self.slow:
            return _error(request, 400, "Throttling", "Rate exceeded")

        with self._lock:
            throttle = account not in self._throttled
            throttle = throttle and len(self._throttled) < self.throttle_first
            if throttle:
                self._throttled.add(account)
        return _error(request, 400, "Throttling", "Rate exceeded") if throttle else None

    @property
    def throttled(self) -> int:
        """How many accounts had their first IAM read throttled."""
        return len(self._throttled)

    def _after_assume_role(self, parsed: dict[str, Any], **_: Any) -> None:
        credentials = parsed.get("Credentials")
        if not credentials:
            return
        account = parsed["AssumedRoleUser"]["Arn"].split(":")[4]
        with self._lock:
            self._keys[credentials["AccessKeyId"]] = account
            self.secrets.update(
                {
                    credentials["AccessKeyId"],
                    credentials["SecretAccessKey"],
                    credentials["SessionToken"],
                }
            )


class _Body:
    """The raw body of a canned response, as botocore reads it."""

    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


def _error(
    request: AWSPreparedRequest, status: int, code: str, message: str
) -> AWSResponse:
    body = (
        "<ErrorResponse><Error><Type>Sender</Type>"
        f"<Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>dspm-iam-test-fault</RequestId></ErrorResponse>"
    ).encode()
    headers = {"Content-Type": "text/xml", "Content-Length": str(len(body))}
    return AWSResponse(request.url, status, headers, _Body(body))


def _access_key(request: AWSPreparedRequest) -> str:
    authorization = request.headers.get("Authorization", b"")
    text = authorization.decode() if isinstance(authorization, bytes) else authorization
    credential = text.partition("Credential=")[2]
    return credential.split("/", 1)[0]


def inject(monkeypatch: Any, faults: Faults) -> None:
    """Install faults on every boto3 session opened while monkeypatch holds."""
    original = boto3.Session

    class FaultySession(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            faults.install(self)

    monkeypatch.setattr(boto3, "Session", FaultySession)
