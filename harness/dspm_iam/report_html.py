"""Render the JSON report as one self-contained HTML page.

The page holds its own style, script and charts (inline SVG) and loads nothing
from anywhere: a Content-Security-Policy allows only its own inline style and
script, by hash. Every value from the report is escaped, since findings quote
role names, policy names and actions written by whoever wrote the policies.
The verdicts are the report's; this module only lays them out.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any

from dspm_iam.params import ROLE_TYPES
from dspm_iam.report import SEVERITIES, TOOL_NAME, UNKNOWN_ACCOUNT

ACCOUNTS_CHARTED = 30
BASELINE_STATES = ("new", "known")
NO_ROLE_TYPE = "none"
_BAR_AREA = 440
_LABEL_WIDTH = 250
_ROW_HEIGHT = 22
_ACTIONS_SHOWN = 5

_STYLE = """
:root { font-family: system-ui, sans-serif; color: #1f2937; }
body { margin: 0 auto; max-width: 1400px; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #e5e7eb; }
.meta, .muted { color: #6b7280; font-size: 0.85rem; }
.verdict { display: inline-block; padding: 0.2rem 0.6rem; border-radius: 4px;
  font-weight: 600; color: #fff; }
.verdict.failed { background: #b91c1c; }
.verdict.passed { background: #15803d; }
.cards { display: flex; flex-wrap: wrap; gap: 0.75rem; }
.card { border: 1px solid #e5e7eb; border-radius: 6px; padding: 0.5rem 0.9rem;
  min-width: 6.5rem; }
.card .count { font-size: 1.6rem; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 0.35rem 0.5rem;
  text-align: left; vertical-align: top; }
th { background: #f9fafb; }
td.number, th.number { text-align: right; }
.sev { display: inline-block; border-radius: 3px; padding: 0 0.35rem;
  color: #fff; font-size: 0.75rem; font-weight: 600; text-transform: uppercase; }
.sev-critical { background: #7f1d1d; } .sev-high { background: #dc2626; }
.sev-medium { background: #b45309; } .sev-low { background: #0e7490; }
.sev-info { background: #6b7280; }
.bar-critical { fill: #7f1d1d; } .bar-high { fill: #dc2626; }
.bar-medium { fill: #d97706; } .bar-low { fill: #0891b2; }
.bar-info { fill: #9ca3af; }
svg text { font-size: 12px; fill: #1f2937; }
svg .account { cursor: pointer; }
.badge-new { background: #1d4ed8; color: #fff; border-radius: 3px;
  padding: 0 0.3rem; font-size: 0.75rem; }
.badge-known { background: #e5e7eb; border-radius: 3px; padding: 0 0.3rem;
  font-size: 0.75rem; }
.fix { color: #374151; margin-top: 0.2rem; }
.fix::before { content: "Fix: "; font-weight: 600; }
form.filters { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: end;
  margin: 0.75rem 0; }
form.filters label { display: flex; flex-direction: column; font-size: 0.8rem; }
.legend span { margin-right: 0.8rem; font-size: 0.8rem; }
code { font-size: 0.8rem; overflow-wrap: anywhere; }
.card.critical { border-left: 4px solid #7f1d1d; }
.card.high { border-left: 4px solid #dc2626; }
.card.medium { border-left: 4px solid #d97706; }
.card.low { border-left: 4px solid #0891b2; }
.card.info { border-left: 4px solid #9ca3af; }
#findings { table-layout: fixed; }
#findings td { overflow-wrap: anywhere; }
.col-severity { width: 5.5rem; } .col-check { width: 8.5rem; }
.col-where { width: 15rem; } .col-action { width: 11rem; }
.col-baseline { width: 4.5rem; }
.incomplete { color: #b91c1c; font-weight: 600; }
"""

_SCRIPT = """
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var rows = Array.prototype.slice.call(
    document.querySelectorAll("#findings tbody tr.finding"));
  var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
  var shown = document.getElementById("shown");
  var none = document.getElementById("no-match");
  var keys = ["severity", "check", "account", "baseline"];

  function wanted(row, index, values, text) {
    for (var k = 0; k < keys.length; k += 1) {
      var value = values[keys[k]];
      if (value && row.getAttribute("data-" + keys[k]) !== value) {
        return false;
      }
    }
    return !text || texts[index].indexOf(text) !== -1;
  }

  function apply() {
    var values = {};
    keys.forEach(function (key) {
      var field = form.elements.namedItem(key);
      values[key] = field ? field.value : "";
    });
    var text = form.elements.namedItem("text").value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row, index) {
      var keep = wanted(row, index, values, text);
      row.hidden = !keep;
      count += keep ? 1 : 0;
    });
    shown.textContent = String(count);
    none.hidden = count !== 0;
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  Array.prototype.forEach.call(
    document.querySelectorAll("svg .account"), function (bar) {
      bar.addEventListener("click", function () {
        form.elements.namedItem("account").value = bar.getAttribute("data-account");
        apply();
        document.getElementById("findings").scrollIntoView();
      });
    });
  apply();
}());
"""


def render_html(report: dict[str, Any]) -> str:
    """The report as one HTML page with no external resources."""
    findings = report["findings"]
    accounts = _tallies(findings, _account)
    for role in report["roles"]:
        accounts.setdefault(_account(role), _Tally(_account(role)))

    body = [
        _header(report),
        _totals(report["summary"]),
        _baseline(report),
        _collection(report.get("collection")),
        _account_chart(sorted(accounts.values(), key=_Tally.rank)),
        _role_type_chart(findings),
        _findings_table(findings, sorted(accounts.values(), key=_Tally.rank)),
        _footer(report),
    ]
    return _page("\n".join(part for part in body if part))


@dataclass
class _Tally:
    """Findings counted by severity for one account or role type."""

    name: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEVERITIES, 0))

    @property
    def total(self) -> int:
        """All findings counted."""
        return sum(self.counts.values())

    def rank(self) -> tuple[Any, ...]:
        """Worst first: most critical, then most high, and so on; then by name."""
        return (*(-self.counts[severity] for severity in SEVERITIES), self.name)


def _tallies(findings: Iterable[dict[str, Any]], key: Any) -> dict[str, _Tally]:
    tallies: dict[str, _Tally] = {}
    for finding in findings:
        name = key(finding)
        tally = tallies.setdefault(name, _Tally(name))
        severity = str(finding["severity"])
        tally.counts[severity] = tally.counts.get(severity, 0) + 1
    return tallies


def _account(item: dict[str, Any]) -> str:
    return str(item.get("account") or UNKNOWN_ACCOUNT)


def _e(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _page(body: str) -> str:
    policy = (
        f"default-src 'none'; style-src {_csp_hash(_STYLE)}; "
        f"script-src {_csp_hash(_SCRIPT)}; img-src data:; base-uri 'none'; "
        "form-action 'none'"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(policy)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{TOOL_NAME} report</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def _header(report: dict[str, Any]) -> str:
    summary = report["summary"]
    verdict = "FAILED" if summary["failed"] else "passed"
    shard = report.get("shard")
    scope = f"; shard {shard['index']} of {shard['count']}" if shard else ""
    return (
        f"<header>\n<h1>{TOOL_NAME} report</h1>\n"
        f'<p><span class="verdict {verdict.lower()}" id="verdict">{verdict}</span> '
        f"with --fail-on {_e(summary['fail_on'])}</p>\n"
        f'<p class="meta">{_e(report["tool"]["name"])} '
        f"{_e(report['tool']['version'])}, engine {_e(report['engine'])}, "
        f"bundle revision {_e(report['bundle']['revision'])}{_e(scope)}</p>\n"
        "</header>"
    )


def _totals(summary: dict[str, Any]) -> str:
    cards = [
        _card("findings", summary["findings"], "Findings"),
        *(
            _card(f"sev-{s}", summary["by_severity"].get(s, 0), s.capitalize(), s)
            for s in SEVERITIES
        ),
        _card("roles", summary["roles_checked"], "Roles checked"),
        _card("unclassified", summary["roles_unclassified"], "Unclassified"),
    ]
    checks = sorted(summary["by_check"].items(), key=lambda item: (-item[1], item[0]))
    rows = "".join(
        f'<tr><td><code>{_e(check)}</code></td><td class="number">{_e(count)}</td></tr>'
        for check, count in checks
    )
    return (
        '<section id="totals">\n<h2>Totals</h2>\n'
        f'<div class="cards">{"".join(cards)}</div>\n'
        f'<p class="muted">{_e(summary["roles_total"])} roles read.</p>\n'
        '<table id="by-check"><thead><tr><th>Check</th>'
        f'<th class="number">Findings</th></tr></thead><tbody>{rows}</tbody></table>\n'
        "</section>"
    )


def _card(key: str, count: Any, label: str, style: str = "") -> str:
    return (
        f'<div class="card {style}" id="total-{_e(key)}">'
        f'<div class="count">{_e(count)}</div>'
        f'<div class="muted">{_e(label)}</div></div>'
    )


def _baseline(report: dict[str, Any]) -> str:
    states = [f.get("baseline") for f in report["findings"]]
    resolved = report.get("resolved")
    if not any(state in BASELINE_STATES for state in states) and resolved is None:
        return ""

    resolved = resolved if isinstance(resolved, list) else []
    counts = {state: states.count(state) for state in BASELINE_STATES}
    rows = "".join(_resolved_row(finding) for finding in resolved)
    table = (
        '<table id="resolved"><thead><tr><th>Severity</th><th>Check</th>'
        "<th>Account</th><th>Role</th><th>Finding</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        if rows
        else '<p class="muted">Nothing was resolved.</p>'
    )
    return (
        '<section id="baseline">\n<h2>Against the baseline</h2>\n'
        f'<div class="cards">{_card("new", counts["new"], "New")}'
        f"{_card('known', counts['known'], 'Known')}"
        f"{_card('resolved', len(resolved), 'Resolved')}</div>\n"
        f"<h3>Resolved since the baseline</h3>\n{table}\n</section>"
    )


def _resolved_row(finding: Any) -> str:
    if not isinstance(finding, dict):
        return ""
    return (
        f"<tr>{_severity_cell(finding.get('severity'))}"
        f"<td><code>{_e(finding.get('check'))}</code></td>"
        f"<td>{_e(finding.get('account') or UNKNOWN_ACCOUNT)}</td>"
        f"<td>{_e(finding.get('role'))}</td><td>{_e(finding.get('message'))}</td></tr>"
    )


def _collection(collection: Any) -> str:
    if collection is None:
        return ""
    if isinstance(collection, list):
        collection = {"failed": collection}
    if not isinstance(collection, dict):
        return ""

    complete = collection.get("complete")
    state = "Accounts" if complete is None else "Complete" if complete else "INCOMPLETE"
    style = ' class="incomplete"' if complete is False else ""
    counts = collection.get("accounts") or {}
    listed = ", ".join(f"{_e(count)} {_e(key)}" for key, count in counts.items())
    parts = [
        '<section id="collection">\n<h2>Collection</h2>',
        f'<p id="collection-state"><span{style}>{state}</span>: {listed}</p>',
        _account_reasons(
            "collection-failed", "Accounts not collected", collection.get("failed")
        ),
        _account_reasons(
            "collection-skipped", "Accounts skipped", collection.get("skipped")
        ),
        _account_reasons(
            "collection-scps",
            "Accounts whose SCPs could not be read",
            collection.get("scps_unreadable"),
        ),
        "</section>",
    ]
    return "\n".join(part for part in parts if part)


def _account_reasons(anchor: str, title: str, entries: Any) -> str:
    if not isinstance(entries, list) or not entries:
        return ""
    rows = "".join(
        f"<tr><td>{_e(entry.get('account'))}</td><td>{_e(entry.get('name'))}</td>"
        f"<td>{_e(entry.get('reason'))}</td></tr>"
        for entry in entries
        if isinstance(entry, dict)
    )
    return (
        f"<h3>{_e(title)}</h3>\n"
        f'<table id="{anchor}"><thead><tr><th>Account</th><th>Name</th>'
        f"<th>Reason</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _account_chart(ranked: list[_Tally]) -> str:
    shown = ranked[:ACCOUNTS_CHARTED]
    note = ""
    if len(ranked) > len(shown):
        rest = ranked[len(shown) :]
        note = (
            f'<p class="muted">and {len(rest)} more accounts with '
            f"{sum(tally.total for tally in rest)} findings, in the table below.</p>"
        )
    return (
        '<section id="accounts">\n<h2>Findings per account, worst first</h2>\n'
        f"{_legend()}\n{_bars('chart-accounts', shown, clickable=True)}\n{note}"
        "</section>"
    )


def _role_type_chart(findings: list[dict[str, Any]]) -> str:
    tallies = _tallies(findings, lambda f: str(f.get("role_type") or NO_ROLE_TYPE))
    order = [*ROLE_TYPES, NO_ROLE_TYPE]
    shown = [tallies[name] for name in order if name in tallies]
    return (
        '<section id="role-types">\n<h2>Findings per role type</h2>\n'
        f"{_bars('chart-role-types', shown, clickable=False)}\n"
        f'<p class="muted">"{NO_ROLE_TYPE}": findings about a source as a whole, '
        "or a role no role type could be given to.</p>\n</section>"
    )


def _legend() -> str:
    items = "".join(
        f'<span><svg width="10" height="10" aria-hidden="true"><rect width="10" '
        f'height="10" class="bar-{s}"></rect></svg> {s}</span>'
        for s in SEVERITIES
    )
    return f'<p class="legend">{items}</p>'


def _bars(anchor: str, tallies: list[_Tally], *, clickable: bool) -> str:
    if not tallies:
        return f'<p class="muted" id="{anchor}">No findings.</p>'
    top = max((tally.total for tally in tallies), default=0) or 1
    width = _LABEL_WIDTH + _BAR_AREA + 60
    height = _ROW_HEIGHT * len(tallies)
    rows = "".join(
        _bar_row(tally, row, top, clickable) for row, tally in enumerate(tallies)
    )
    return (
        f'<svg id="{anchor}" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{rows}</svg>'
    )


def _bar_row(tally: _Tally, row: int, top: int, clickable: bool) -> str:
    y = row * _ROW_HEIGHT
    x = float(_LABEL_WIDTH)
    segments = []
    for severity in SEVERITIES:
        count = tally.counts.get(severity, 0)
        if not count:
            continue
        length = _BAR_AREA * count / top
        segments.append(
            f'<rect class="bar-{severity}" x="{x:.1f}" y="{y + 3}" '
            f'width="{length:.1f}" height="{_ROW_HEIGHT - 6}">'
            f"<title>{_e(tally.name)}: {count} {severity}</title></rect>"
        )
        x += length
    extra = f' class="account" data-account="{_e(tally.name)}"' if clickable else ""
    return (
        f'<g data-name="{_e(tally.name)}"{extra}>'
        f'<text x="{_LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">'
        f"{_e(tally.name)}</text>{''.join(segments)}"
        f'<text x="{x + 6:.1f}" y="{y + 15}">{tally.total}</text></g>'
    )


def _findings_table(findings: list[dict[str, Any]], ranked: list[_Tally]) -> str:
    order = {tally.name: position for position, tally in enumerate(ranked)}
    rank = {severity: position for position, severity in enumerate(SEVERITIES)}
    ordered = sorted(
        enumerate(findings),
        key=lambda item: (
            order.get(_account(item[1]), len(order)),
            rank.get(str(item[1]["severity"]), len(rank)),
            item[0],
        ),
    )
    with_baseline = any(f.get("baseline") in BASELINE_STATES for f in findings)
    rows = "\n".join(_finding_row(f, with_baseline) for _, f in ordered)
    head = "".join(
        f'<th class="col-{name.lower()}">{name}</th>'
        for name in ("Severity", "Check", "Where", "Action")
    )
    baseline_head = '<th class="col-baseline">Baseline</th>' if with_baseline else ""
    return (
        '<section id="findings-section">\n<h2>Findings</h2>\n'
        f"{_filters(findings, ranked, with_baseline)}\n"
        f'<p class="muted">Showing <span id="shown">{len(findings)}</span> of '
        f"{len(findings)} findings.</p>\n"
        f'<table id="findings"><thead><tr>{head}{baseline_head}'
        f'<th class="col-finding">Finding</th></tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody></table>\n"
        '<p id="no-match" class="muted" hidden>No finding matches the filters.</p>\n'
        "</section>"
    )


def _filters(
    findings: list[dict[str, Any]], ranked: list[_Tally], with_baseline: bool
) -> str:
    checks = sorted({str(finding["check"]) for finding in findings})
    accounts = [tally.name for tally in ranked if tally.total]
    fields = [
        _select("severity", "Severity", SEVERITIES),
        _select("check", "Check", checks),
        _select("account", "Account", accounts),
        _select("baseline", "Baseline", BASELINE_STATES) if with_baseline else "",
        '<label>Text<input type="search" name="text" '
        'placeholder="role, action, message..."></label>',
        '<button type="reset">Clear</button>',
    ]
    return (
        '<form id="filters" class="filters" autocomplete="off">'
        + "".join(fields)
        + "</form>"
    )


def _select(name: str, label: str, values: Iterable[str]) -> str:
    options = "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in values)
    return (
        f'<label>{_e(label)}<select name="{name}">'
        f'<option value="">all</option>{options}</select></label>'
    )


def _finding_row(finding: dict[str, Any], with_baseline: bool) -> str:
    attributes = "".join(
        f' data-{key}="{_e(value)}"'
        for key, value in (
            ("severity", finding["severity"]),
            ("check", finding["check"]),
            ("account", _account(finding)),
            ("baseline", finding.get("baseline") or ""),
        )
    )
    baseline = finding.get("baseline")
    baseline_cell = (
        f'<td><span class="badge-{_e(baseline)}">{_e(baseline)}</span></td>'
        if with_baseline and baseline in BASELINE_STATES
        else ("<td></td>" if with_baseline else "")
    )
    return (
        f'<tr class="finding"{attributes}>{_severity_cell(finding["severity"])}'
        f"<td><code>{_e(finding['check'])}</code><br>"
        f'<span class="muted">{_e(finding["rule_id"])}</span></td>'
        f"{_role_cell(finding)}{_action_cell(finding)}{baseline_cell}"
        f"<td><strong>{_e(finding['title'])}</strong><br>{_e(finding['message'])}"
        f'<div class="fix">{_e(finding["remediation"])}</div></td></tr>'
    )


def _severity_cell(severity: Any) -> str:
    return f'<td><span class="sev sev-{_e(severity)}">{_e(severity)}</span></td>'


def _role_cell(finding: dict[str, Any]) -> str:
    """Account, then the role and its type and the place in it, or the source."""
    account = f"<strong>{_e(_account(finding))}</strong><br>"
    if finding.get("role") is None:
        source = _e(finding.get("source"))
        return f'<td>{account}<span class="muted">source</span> {source}</td>'
    role_type = finding.get("role_type") or NO_ROLE_TYPE
    return (
        f"<td>{account}{_e(finding['role'])} "
        f'<span class="muted">({_e(role_type)})</span><br>{_where(finding)}</td>'
    )


def _where(finding: dict[str, Any]) -> str:
    statement = finding.get("statement")
    parts = [_e(finding.get("policy"))] if finding.get("policy") else []
    if isinstance(statement, dict):
        sid = f" ({_e(statement.get('sid'))})" if statement.get("sid") else ""
        parts.append(f"statement {_e(statement.get('index'))}{sid}")
    return "<br>".join(parts) or '<span class="muted">the role as a whole</span>'


def _action_cell(finding: dict[str, Any]) -> str:
    actions = [str(action) for action in finding.get("actions") or []]
    action = (
        f"<code>{_e(finding.get('action'))}</code>" if finding.get("action") else ""
    )
    if len(actions) < 2:
        return f"<td>{action}</td>"
    listed = ", ".join(_e(item) for item in actions[:_ACTIONS_SHOWN])
    more = len(actions) - _ACTIONS_SHOWN
    listed += f" and {more} more" if more > 0 else ""
    return (
        f"<td>{action}<details><summary>{len(actions)} actions</summary>"
        f"<code>{listed}</code></details></td>"
    )


def _footer(report: dict[str, Any]) -> str:
    catalog = report["catalog"]
    contract = report["contract"]
    source = contract.get("source") or {}
    return (
        '<footer class="muted">\n<h2>Where the verdicts come from</h2>\n'
        f"<p>Catalog {_e(catalog['source'])} {_e(catalog['version'])} "
        f"({_e(catalog['updated_at'])}); contract "
        f"{_e(source.get('title') or 'of the vendor page')} "
        f"({_e(source.get('url'))}), {len(contract['errata'])} errata applied.</p>\n"
        "</footer>"
    )
