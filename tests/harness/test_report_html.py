"""Tests for the HTML report: escaped, self-contained, and working in a browser.

The browser tests drive Debian's chromium through chromium-driver with
selenium, on file:// pages only; selenium-manager is never asked for anything.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from dspm_iam.bundle import load_bundle
from dspm_iam.engine import EmbeddedEngine
from dspm_iam.loaders import load_inputs
from dspm_iam.params import load_params
from dspm_iam.report import SEVERITIES, build_report, report_metadata
from dspm_iam.report_html import render_html

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
HOSTILE = '<img src=x onerror="alert(1)">\'"</script><script>alert(2)</script>&amp;'
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,2400",
)


@pytest.fixture(scope="module")
def demo_report() -> dict[str, Any]:
    """The report of the demo organisation, as check --format json gives it."""
    engine = EmbeddedEngine(load_bundle())
    inputs = load_inputs([str(DEMO / "accounts")])
    document = {
        "params": load_params(DEMO / "params.yaml"),
        "options": {"fail_on": "high"},
        "sources": inputs.sources,
        "roles": inputs.roles,
    }
    try:
        return build_report(engine.evaluate(document), report_metadata(engine))
    finally:
        engine.close()


def _hostile(report: dict[str, Any]) -> dict[str, Any]:
    """The report with user-controlled strings replaced by markup."""
    hostile = copy.deepcopy(report)
    for finding in hostile["findings"][:3]:
        for key in ("role", "message", "action", "policy", "source"):
            finding[key] = f"{key} {HOSTILE}"
        finding["actions"] = [HOSTILE, "s3:GetObject"]
        finding["statement"] = {"index": 0, "sid": HOSTILE}
    hostile["findings"][0]["account"] = HOSTILE
    return hostile


def _with_extras(report: dict[str, Any]) -> dict[str, Any]:
    """The report with a collection section and baseline statuses."""
    extended = copy.deepcopy(report)
    for position, finding in enumerate(extended["findings"]):
        finding["baseline"] = "new" if position % 3 == 0 else "known"
    resolved = copy.deepcopy(report["findings"][0])
    resolved["message"] = "resolved: " + resolved["message"]
    extended["resolved"] = [resolved]
    extended["collection"] = {
        "complete": False,
        "accounts": {"selected": 4, "collected": 3, "failed": 1, "skipped": 0},
        "failed": [
            {"account": "444444444444", "name": "sandbox", "reason": "AccessDenied"}
        ],
        "skipped": [],
        "scps_unreadable": [],
    }
    return extended


class _Page(HTMLParser):
    """Tags, attributes, text, and the contents of style and script elements."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.attributes: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.inline: dict[str, list[str]] = {"style": [], "script": []}
        self._open: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        self._open = tag if tag in self.inline else None

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.inline[self._open].append(data)
        else:
            self.text.append(data)

    def ids(self, tag: str, attribute: str) -> list[str]:
        return [
            value for t, name, value in self.attributes if (t, name) == (tag, attribute)
        ]


def test_every_value_is_escaped(demo_report: dict[str, Any]) -> None:
    page = _Page(render_html(_hostile(demo_report)))

    assert page.tags["script"] == 1
    assert page.tags["img"] == 0
    assert not [name for _, name, _ in page.attributes if name.startswith("on")]
    text = "".join(page.text)
    assert f"role {HOSTILE}" in text
    assert f"message {HOSTILE}" in text
    assert HOSTILE in page.ids("tr", "data-account")


def test_page_is_self_contained(demo_report: dict[str, Any]) -> None:
    html = render_html(_with_extras(demo_report))
    page = _Page(html)

    assert not [a for a in page.attributes if a[1] in {"src", "href", "srcset"}]
    assert not {"link", "iframe", "object", "embed", "img"} & set(page.tags)
    assert not re.search(r"url\(|@import", "".join(page.inline["style"]))
    policy = page.ids("meta", "content")[0]
    assert policy.startswith("default-src 'none'; ")
    for kind in ("style", "script"):
        digest = hashlib.sha256("".join(page.inline[kind]).encode()).digest()
        assert f"{kind}-src 'sha256-{base64.b64encode(digest).decode()}'" in policy


def test_totals_and_charts(demo_report: dict[str, Any]) -> None:
    page = _Page(render_html(demo_report))
    findings = demo_report["findings"]
    by_account = Counter(finding["account"] for finding in findings)

    charted = page.ids("g", "data-account")
    worst = [_severity_counts(findings, account) for account in charted]
    assert worst == sorted(worst, reverse=True)
    assert set(charted) == {role["account"] for role in demo_report["roles"]}
    assert by_account["222222222222"] == 0
    assert charted[-1] == "222222222222"
    assert set(page.ids("g", "data-name")) >= {"resource-discovery", "target"}
    assert len(page.ids("tr", "data-severity")) == len(findings)


def _severity_counts(findings: list[dict[str, Any]], account: str) -> list[int]:
    severities = Counter(f["severity"] for f in findings if f["account"] == account)
    return [severities[severity] for severity in SEVERITIES]


def test_sections_follow_the_report(demo_report: dict[str, Any]) -> None:
    plain = _Page(render_html(demo_report))
    extended = _Page(render_html(_with_extras(demo_report)))

    for section in ("collection", "baseline", "resolved", "collection-failed"):
        assert section not in plain.ids("section", "id") + plain.ids("table", "id")
        assert section in extended.ids("section", "id") + extended.ids("table", "id")
    assert "444444444444" in "".join(extended.text)
    assert set(extended.ids("tr", "data-baseline")) == {"new", "known"}


def test_empty_report(demo_report: dict[str, Any]) -> None:
    empty = {**demo_report, "roles": [], "findings": []}
    empty["summary"] = {
        **demo_report["summary"],
        "findings": 0,
        "failed": False,
        "by_severity": dict.fromkeys(SEVERITIES, 0),
    }

    page = _Page(render_html(empty))

    assert page.ids("tr", "data-severity") == []
    assert page.ids("span", "id")[0] == "verdict"
    assert "No findings." in "".join(page.text)


# In a real browser.


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed "
            "(.ci/run installs them: apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver  # noqa: PLC0415 - only where chromium is
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tmp_path_factory.mktemp("chromium-profile")
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(
        service=Service(executable_path=str(CHROMEDRIVER)), options=options
    )
    yield driver
    driver.quit()


def _open(browser: Any, html: str, path: Path) -> None:
    path.write_text(html, "utf-8")
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get(path.as_uri())


def _errors(browser: Any) -> list[dict[str, Any]]:
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def _visible(browser: Any) -> list[Any]:
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    rows = browser.find_elements(By.CSS_SELECTOR, "#findings tbody tr.finding")
    return [row for row in rows if row.is_displayed()]


def _choose(browser: Any, name: str, value: str) -> None:
    from selenium.webdriver.common.by import By  # noqa: PLC0415
    from selenium.webdriver.support.ui import Select  # noqa: PLC0415

    Select(browser.find_element(By.NAME, name)).select_by_value(value)


def _shown(browser: Any) -> int:
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    return int(browser.find_element(By.ID, "shown").text)


def test_filters_in_the_browser(
    browser: Any, demo_report: dict[str, Any], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    findings = demo_report["findings"]
    _open(browser, render_html(_with_extras(demo_report)), tmp_path / "report.html")
    assert _errors(browser) == []
    assert len(_visible(browser)) == _shown(browser) == len(findings)

    _choose(browser, "severity", "critical")
    critical = [f for f in findings if f["severity"] == "critical"]
    rows = _visible(browser)
    assert len(rows) == _shown(browser) == len(critical) > 0
    assert {row.get_attribute("data-severity") for row in rows} == {"critical"}

    browser.find_element(By.NAME, "text").send_keys("333333333333")
    rows = _visible(browser)
    expected = [f for f in critical if f["account"] == "333333333333"]
    assert len(rows) == len(expected) > 0
    assert {row.get_attribute("data-account") for row in rows} == {"333333333333"}

    browser.find_element(By.NAME, "text").send_keys("no such text")
    assert _visible(browser) == []
    assert browser.find_element(By.ID, "no-match").is_displayed()

    browser.find_element(By.CSS_SELECTOR, "button[type=reset]").click()
    assert len(_visible(browser)) == len(findings)

    _choose(browser, "check", "required-deny")
    _choose(browser, "baseline", "new")
    expected_rows = [
        position
        for position, f in enumerate(findings)
        if f["check"] == "required-deny" and position % 3 == 0
    ]
    assert len(_visible(browser)) == len(expected_rows)

    browser.find_element(By.CSS_SELECTOR, "button[type=reset]").click()
    bar = browser.find_element(By.CSS_SELECTOR, 'svg g[data-account="111111111111"]')
    bar.click()
    rows = _visible(browser)
    assert len(rows) == len([f for f in findings if f["account"] == "111111111111"])
    assert {row.get_attribute("data-account") for row in rows} == {"111111111111"}

    browser.find_element(By.CSS_SELECTOR, "button[type=reset]").click()
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot = tmp_path / "report.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10000
    assert _errors(browser) == []


def test_hostile_values_stay_text_in_the_browser(
    browser: Any, demo_report: dict[str, Any], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    _open(browser, render_html(_hostile(demo_report)), tmp_path / "hostile.html")

    assert browser.execute_script("return document.scripts.length") == 1
    assert browser.find_elements(By.CSS_SELECTOR, "#findings img") == []
    assert f"message {HOSTILE}" in browser.find_element(By.ID, "findings").text
    assert _errors(browser) == []
