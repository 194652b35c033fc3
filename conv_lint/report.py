"""Render findings. Every output format is drawn from the same ``Finding`` records."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from conv_lint.analyzer import Finding
from conv_lint.catalog import CATALOG, Catalog
from conv_lint.rules import RULES, RULES_BY_CODE, Rule

FORMATS = ("text", "json")
# check also speaks GitHub Actions' workflow commands, which annotate the pull request's diff.
CHECK_FORMATS = (*FORMATS, "github")


def flake8_line(finding: Finding) -> str:
    """``path:line:col: CODE message``, exactly as flake8 prints a plugin's finding."""
    return f"{finding.path}:{finding.line}:{finding.column}: {finding.code} {finding.message}"


def github_annotation(finding: Finding) -> str:
    """``::warning file=…,line=…,col=…,title=CODE::CODE message``, escaped as GitHub requires."""

    def data(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    def prop(text: str) -> str:
        return data(text).replace(":", "%3A").replace(",", "%2C")

    location = f"file={prop(finding.path)},line={finding.line},col={finding.column},title={prop(finding.code)}"
    return f"::warning {location}::{data(f'{finding.code} {finding.message}')}"


def render(findings: Iterable[Finding], output_format: str) -> str:
    findings = list(findings)
    if output_format == "json":
        return json.dumps([finding.as_dict() for finding in findings], indent=2) + "\n"
    line = github_annotation if output_format == "github" else flake8_line
    return "".join(line(finding) + "\n" for finding in findings)


def statistics(findings: Iterable[Finding]) -> str:
    """How many findings of each code, most first (ruff's --statistics)."""
    counts = Counter(finding.code for finding in findings)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return "".join(f"{count:>6}  {code}  {RULES_BY_CODE[code].name if code in RULES_BY_CODE else ''}\n" for code, count in rows)


def rule_libraries(rule: Rule, catalog: Catalog = CATALOG) -> tuple[str, ...]:
    """The libraries whose APIs this rule can flag: from the catalog, or as the rule says."""
    if rule.frameworks:
        return rule.frameworks
    if rule.hazard is None:
        return ("all",)
    libraries = {
        api.name.split(".", 1)[0]
        for api in catalog.apis
        if any(default.hazard == rule.hazard for default in api.defaults)
    }
    return tuple(sorted(libraries))


def rules_table(markdown: bool = False) -> str:
    """The rules as a table: the README's rules section is this output (a test keeps them equal)."""
    header = ("Code", "Name", "Default", "Fix", "Flags calls from", "Summary")
    rows = [
        (
            rule.code,
            rule.name,
            "off (opt-in)" if rule.opt_in else "on",
            rule.fix,
            ", ".join(rule_libraries(rule)),
            rule.summary,
        )
        for rule in RULES
    ]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += [f"| `{row[0]}` | " + " | ".join(row[1:]) + " |" for row in rows]
        return "\n".join(lines) + "\n"
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header) - 1)]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1] + "\n"
        for row in (header, *rows)
    )
