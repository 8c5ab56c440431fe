"""The bundle's IAM matching, expansion and Deny precedence, against a reference.

The reference is written here in plain Python and shares no code with the
project: a glob matcher that knows only `*` and `?` and ignores case, an
expansion that runs it over every action of the catalog file, and the effective
set of a role as the union of its Allows less its unconditional Denies on every
resource. Hypothesis draws the inputs; the bundle runs on the embedded OPA
engine with one fixed query string per property, so the engine prepares each
query once.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import operator
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dspm_iam.bundle import load_bundle
from dspm_iam.engine import EmbeddedEngine
from dspm_iam.params import load_params

REPO = Path(__file__).resolve().parents[2]
CATALOG_FILE = REPO / "policy" / "dspm" / "catalog" / "data.json"
PARAMS_FILE = REPO / "tests" / "data" / "params" / "all-features.yaml"

# services[prefix][lower-case name] = canonical name, as the bundle holds it.
SERVICES: dict[str, dict[str, str]] = json.loads(CATALOG_FILE.read_text("utf-8"))[
    "services"
]
PREFIXES = sorted(SERVICES)
CANONICAL = {
    f"{prefix}:{key}".lower(): f"{prefix}:{name}"
    for prefix, actions in SERVICES.items()
    for key, name in actions.items()
}
LOWER_ACTIONS = sorted(CANONICAL)
ALL_ACTIONS = frozenset(CANONICAL.values())
PARAMS = load_params(PARAMS_FILE)

MATCH_QUERY = (
    "x := {i | some i, pair in input.pairs; "
    "data.dspm.lib.iam.matches(pair.pattern, pair.value)}"
)
EXPAND_QUERY = "x := data.dspm.lib.iam.expand(input.pattern)"
EFFECTIVE_QUERY = "x := data.dspm.lib.roles.effective[0]"

# Characters IAM takes literally but a generic glob might not, and mixed case.
GLOB_ALPHABET = "aAbB:/-,!^[]{}\\*?"

PROPERTY_SETTINGS = settings(deadline=None, derandomize=True, database=None)


def reference_match(pattern: str, value: str) -> bool:
    """Whether an IAM pattern matches a value: `*` any run, `?` one character.

    A row of the classic dynamic programme: after reading a prefix of the
    pattern, reach[j] says whether it matches the first j characters of value.
    """
    pattern, value = pattern.lower(), value.lower()
    reach = [True] + [False] * len(value)
    for char in pattern:
        if char == "*":
            reach = list(itertools.accumulate(reach, operator.or_))
        elif char == "?":
            reach = [False, *reach[:-1]]
        else:
            reach = [
                False,
                *(r and c == char for r, c in zip(reach[:-1], value, strict=True)),
            ]
        if not any(reach):
            return False
    return reach[-1]


@functools.lru_cache(maxsize=512)
def reference_expand(pattern: str) -> frozenset[str]:
    """Every catalog action, in the catalog's spelling, the whole pattern matches.

    Only actions starting with the pattern's text before its first wildcard
    can match, so the scan starts there in the sorted list and stops after.
    """
    lowered = pattern.lower()
    literal = "".join(itertools.takewhile(lambda char: char not in "*?", lowered))
    start = bisect.bisect_left(LOWER_ACTIONS, literal)
    matched = set()
    for action in itertools.takewhile(
        lambda action: action.startswith(literal), LOWER_ACTIONS[start:]
    ):
        if reference_match(lowered, action):
            matched.add(CANONICAL[action])
    return frozenset(matched)


def as_list(value: Any) -> list[Any]:
    """An IAM string-or-list field as a list."""
    return value if isinstance(value, list) else [value]


def reference_statement_actions(statement: dict[str, Any]) -> frozenset[str]:
    """The catalog actions a statement names; NotAction names the rest."""
    if "NotAction" in statement:
        excluded = {
            a for p in as_list(statement["NotAction"]) for a in reference_expand(p)
        }
        return ALL_ACTIONS - excluded
    return frozenset(
        action for p in as_list(statement["Action"]) for action in reference_expand(p)
    )


def denies_everywhere(statement: dict[str, Any]) -> bool:
    """A Deny with no condition, on every resource, removes what it names."""
    return (
        statement["Effect"] == "Deny"
        and not statement.get("Condition")
        and "NotResource" not in statement
        and "*" in as_list(statement.get("Resource", []))
    )


def reference_effective(statements: list[dict[str, Any]]) -> set[str]:
    """What Allows grant, under any condition, less what Denies remove."""
    allowed: set[str] = set()
    denied: set[str] = set()
    for statement in statements:
        actions = reference_statement_actions(statement)
        if statement["Effect"] == "Allow":
            allowed |= actions
        elif denies_everywhere(statement):
            denied |= actions
    return allowed - denied


@pytest.fixture(scope="module")
def engine() -> Iterator[EmbeddedEngine]:
    opa = EmbeddedEngine(load_bundle())
    yield opa
    opa.close()


@st.composite
def random_case(draw: st.DrawFn, text: str) -> str:
    """The text with each letter in upper or lower case."""
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(
        char.upper() if flip else char.lower()
        for char, flip in zip(text, flips, strict=True)
    )


@st.composite
def glob_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """A pattern and a value: arbitrary, or an instance of the pattern."""
    pattern = draw(st.text(GLOB_ALPHABET, max_size=8))
    if draw(st.booleans()):
        return pattern, draw(st.text(GLOB_ALPHABET, max_size=8))

    pieces = []
    for char in pattern:
        if char == "*":
            pieces.append(draw(st.text(GLOB_ALPHABET, max_size=3)))
        elif char == "?":
            pieces.append(draw(st.sampled_from(GLOB_ALPHABET)))
        else:
            pieces.append(char)
    return pattern, draw(random_case("".join(pieces)))


@st.composite
def wildcarded(draw: st.DrawFn, text: str, edits: int, kinds: str) -> str:
    """The text after some edits, each of a kind: `*` makes a span a star,
    `?` makes a character a question mark, anything else is put in as it is."""
    for _ in range(edits):
        kind = draw(st.sampled_from(kinds))
        start = draw(st.integers(0, len(text)))
        if kind == "*":
            end = draw(st.integers(start, len(text)))
            text = f"{text[:start]}*{text[end:]}"
        elif kind == "?" and start < len(text):
            text = f"{text[:start]}?{text[start + 1 :]}"
        else:
            text = f"{text[:start]}{kind}{text[start:]}"
    return text


@st.composite
def action_patterns(draw: st.DrawFn) -> str:
    """A pattern made from a real action: its service prefix, now and then
    with a wildcard, and its name with fragments replaced by wildcards (and
    now and then a literal `[`, `{` or backslash), in any case."""
    prefix = draw(st.sampled_from(PREFIXES))
    name = draw(st.sampled_from(sorted(SERVICES[prefix].values())))
    prefix_edits = draw(st.sampled_from([0, 0, 0, 0, 1]))
    prefix_part = draw(wildcarded(prefix, prefix_edits, "*?"))
    name_part = draw(wildcarded(name, draw(st.integers(0, 3)), "****???[{\\"))
    return draw(random_case(f"{prefix_part}:{name_part}"))


# A handful of actions and patterns over three services that overlap: exact
# names, prefixes, suffixes, `?`, a whole service and an unknown action.
PATTERN_POOL = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:Get*",
    "s3:*Object",
    "s3:?etObject*",
    "s3:List*",
    "s3:NoSuchAction",
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:Gen*",
    "kms:*",
    "sqs:SendMessage",
    "sqs:*Message",
    "sqs:GetQueue*",
)
RESOURCE_FORMS = (
    ("Resource", "*"),
    ("Resource", "*"),
    ("Resource", ["*"]),
    ("Resource", ["arn:aws:s3:::acme-dspm-evidence/*", "*"]),
    ("Resource", "arn:aws:s3:::acme-dspm-evidence/*"),
    ("Resource", "arn:aws:kms:*:111111111111:key/*"),
    ("NotResource", "arn:aws:s3:::acme-dspm-evidence/*"),
    ("NotResource", ["*"]),
)
CONDITIONS = (
    None,
    None,
    None,
    {},
    {"StringEquals": {"aws:ResourceTag/ZscalerDSPM": "true"}},
    {"Bool": {"aws:SecureTransport": "false"}},
)


@st.composite
def statements(draw: st.DrawFn, effect: str) -> dict[str, Any]:
    """An Allow or Deny over pool patterns, with any resource and condition."""
    field = draw(st.sampled_from(["Action"] * 7 + ["NotAction"]))
    patterns = draw(
        st.lists(
            st.sampled_from(PATTERN_POOL).flatmap(random_case), min_size=1, max_size=3
        )
    )
    single = len(patterns) == 1 and draw(st.booleans())
    statement: dict[str, Any] = {
        "Effect": effect,
        field: patterns[0] if single else patterns,
    }

    key, resources = draw(st.sampled_from(RESOURCE_FORMS))
    statement[key] = resources
    condition = draw(st.sampled_from(CONDITIONS))
    if condition is not None:
        statement["Condition"] = condition
    return statement


@st.composite
def policies(draw: st.DrawFn) -> list[dict[str, Any]]:
    """One to three Allows and one to three Denies, in any order."""
    allows = draw(st.lists(statements("Allow"), min_size=1, max_size=3))
    denies = draw(st.lists(statements("Deny"), min_size=1, max_size=3))
    return draw(st.permutations(allows + denies))


def role_input(policy: list[dict[str, Any]], split: int) -> dict[str, Any]:
    """The input document for one get-evidence role whose statements are cut
    into two inline policies at `split`; a policy of one statement holds it
    as a bare Statement object."""
    parts = [part for part in (policy[:split], policy[split:]) if part]
    role = {
        "name": "dspm-get-evidence",
        "arn": "arn:aws:iam::222222222222:role/dspm-get-evidence",
        "account": "222222222222",
        "source": "properties.json",
        "role_type": "get-evidence",
        "trust_policy": None,
        "permissions_boundary": None,
        "policies": [
            {
                "name": f"inline-{number}",
                "arn": None,
                "kind": "inline",
                "document": {
                    "Version": "2012-10-17",
                    "Statement": part[0] if len(part) == 1 else part,
                },
            }
            for number, part in enumerate(parts)
        ],
    }
    return {
        "params": PARAMS,
        "options": {"fail_on": "high"},
        "sources": [],
        "roles": [role],
    }


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        pytest.param("s3:Get*", "S3:GETOBJECT", True, id="case-ignored"),
        pytest.param("a?c", "abc", True, id="question-mark-one-character"),
        pytest.param("a?c", "ac", False, id="question-mark-not-empty"),
        pytest.param("?", "", False, id="lone-question-mark-not-empty"),
        pytest.param("[ab]", "a", False, id="bracket-is-literal"),
        pytest.param("[ab]", "[AB]", True, id="bracket-matches-itself"),
        pytest.param("{a,b}", "a", False, id="brace-is-literal"),
        pytest.param("a\\*", "a\\bc", True, id="backslash-is-literal"),
        pytest.param("*", "", True, id="star-matches-empty"),
        pytest.param("", "", True, id="empty-matches-empty"),
    ],
)
def test_success_matches_named_cases(
    engine: EmbeddedEngine, pattern: str, value: str, expected: bool
) -> None:
    document = {"pairs": [{"pattern": pattern, "value": value}]}

    matched = engine.query(MATCH_QUERY, document) == [0]

    assert reference_match(pattern, value) is expected
    assert matched is expected


@settings(PROPERTY_SETTINGS, max_examples=500)
@given(pairs=st.lists(glob_pairs(), min_size=1, max_size=8))
@example(pairs=[("[a]", "[a]"), ("{a,b}", "a"), ("\\", "\\"), ("a\\*", "A\\b")])
def test_success_matches_as_reference(
    engine: EmbeddedEngine, pairs: list[tuple[str, str]]
) -> None:
    document = {"pairs": [{"pattern": p, "value": v} for p, v in pairs]}

    matched = set(engine.query(MATCH_QUERY, document))

    expected = {i for i, (p, v) in enumerate(pairs) if reference_match(p, v)}
    assert matched == expected, [
        (pairs[i], i in expected) for i in sorted(matched ^ expected)
    ]


@settings(PROPERTY_SETTINGS, max_examples=200)
@given(pattern=action_patterns())
@example(pattern="*")
@example(pattern="S3:GETOBJECT")
@example(pattern="s3*:Get?bject")
@example(pattern="kms:[Decrypt]")
def test_success_expand_as_reference(engine: EmbeddedEngine, pattern: str) -> None:
    expanded = set(engine.query(EXPAND_QUERY, {"pattern": pattern}))

    expected = reference_expand(pattern)
    assert expanded == expected, {
        "only_bundle": sorted(expanded - expected),
        "only_reference": sorted(expected - expanded),
    }


@settings(PROPERTY_SETTINGS, max_examples=150)
@given(policy=policies(), split=st.integers(0, 6))
@example(
    policy=[
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "NotAction": "s3:Get*", "Resource": ["*"]},
    ],
    split=1,
)
def test_success_deny_precedence_as_reference(
    engine: EmbeddedEngine, policy: list[dict[str, Any]], split: int
) -> None:
    effective = set(engine.query(EFFECTIVE_QUERY, role_input(policy, split)))

    expected = reference_effective(policy)
    assert effective == expected, {
        "only_bundle": sorted(effective - expected)[:20],
        "only_reference": sorted(expected - effective)[:20],
    }
