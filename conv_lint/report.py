"""Render findings. Every output format is drawn from the same ``Finding`` records."""

from __future__ import annotations

import hashlib
import json
import os
import urllib.parse
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from conv_lint import __version__
from conv_lint.analyzer import Finding
from conv_lint.catalog import CATALOG, Catalog, package
from conv_lint.rules import RULES, RULES_BY_CODE, Rule

if TYPE_CHECKING:
    from conv_lint.fix import FindingFix

FORMATS = ("text", "json")
# check also speaks GitHub Actions' workflow commands, which annotate the pull request's diff,
# and SARIF, which code-scanning dashboards and IDE viewers read; "concise" is ruff's name for
# the one line per finding that text already is.
CHECK_FORMATS = (*FORMATS, "concise", "github", "sarif")


def flake8_line(finding: Finding) -> str:
    """``path:line:col: CODE message``, exactly as flake8 prints a plugin's finding."""
    return f"{finding.path}:{finding.line}:{finding.column}: {finding.code} {finding.message}"


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(finding: Finding) -> str:
    """``::warning file=…,line=…,col=…,title=CODE::CODE message``, escaped as GitHub requires."""
    location = f"file={_github_property(finding.path)},line={finding.line},col={finding.column},title={_github_property(finding.code)}"
    return f"::warning {location}::{_github_data(f'{finding.code} {finding.message}')}"


def github_error(error: str) -> str:
    """A file that could not be checked as an ``::error`` annotation on it (at its line when known)."""
    path, line = getattr(error, "path", None), getattr(error, "line", None)
    reason = getattr(error, "reason", error)
    where = f"file={_github_property(path)}," if path else ""
    if line is not None:
        where += f"line={line},col={error.column},"
    return f"::error {where}title=conv-lint::{_github_data(reason)}"


def docs_command(code: str) -> str:
    """Where a rule's documentation is: the command that prints it, with or without a network."""
    return f"conv-lint explain {code}"


def render(findings: Iterable[Finding], output_format: str, fixes: Mapping[Finding, FindingFix] | None = None) -> str:
    findings = list(findings)
    if output_format == "json":
        return json.dumps([json_record(finding, (fixes or {}).get(finding)) for finding in findings], indent=2) + "\n"
    line = github_annotation if output_format == "github" else flake8_line
    return "".join(line(finding) + "\n" for finding in findings)


def json_record(finding: Finding, fix: FindingFix | None) -> dict:
    """A finding as JSON: its fields, the rule's name and docs, and its safe fix (ruff's shape:
    edits with 1-based ``location``/``end_location``), or null."""
    rule = RULES_BY_CODE.get(finding.code)
    record = {**finding.as_dict(), "name": rule.name if rule else None, "docs": docs_command(finding.code)}
    record["fix"] = None if fix is None else {
        "applicability": "safe",
        "message": fix.title,
        "edits": [
            {
                "content": edit.text,
                "location": {"row": edit.start[0] + 1, "column": edit.start[1] + 1},
                "end_location": {"row": edit.end[0] + 1, "column": edit.end[1] + 1},
            }
            for edit in fix.edits
        ],
    }
    return record


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# Relative URIs in the log are relative to this base: the configuration's folder (or the
# current folder), whose absolute URI the run states in originalUriBaseIds.
SARIF_ROOT = "%SRCROOT%"
SARIF_LEVEL = "warning"
_RULE_INDEX = {rule.code: index for index, rule in enumerate(RULES)}


def sarif(
    findings: Iterable[Finding],
    root: Path,
    fixes: Mapping[Finding, FindingFix] | None = None,
    errors: Iterable[str] = (),
) -> str:
    """A SARIF 2.1.0 log of one run: every rule's metadata, each finding as a result with its
    safe fix (from ``fixes``), and the files that could not be checked as notifications."""
    fixes = fixes or {}
    errors = list(errors)
    root = Path(os.path.abspath(root))
    seen: Counter[tuple] = Counter()
    results = []
    for finding in findings:
        location = _sarif_artifact(finding.path, root)
        # Stable while lines move: what is flagged and where, plus which of its identical twins.
        identity = (finding.code, location.get("uri"), finding.api, finding.parameter)
        seen[identity] += 1
        fingerprint = hashlib.sha256(repr((identity, seen[identity])).encode()).hexdigest()
        result = {
            "ruleId": finding.code,
            "ruleIndex": _RULE_INDEX[finding.code],
            "level": SARIF_LEVEL,
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": location,
                        "region": {"startLine": finding.line, "startColumn": finding.column},
                    }
                }
            ],
            "partialFingerprints": {"convLintFinding/v1": fingerprint},
        }
        fix = fixes.get(finding)
        if fix is not None:
            result["fixes"] = [_sarif_fix(fix, location)]
        results.append(result)
    invocation = {
        "executionSuccessful": not errors,
        "toolExecutionNotifications": [{"level": "error", "message": {"text": error}} for error in errors],
    }
    run = {
        "tool": {"driver": {"name": "conv-lint", "version": __version__, "rules": [_sarif_rule(rule) for rule in RULES]}},
        "invocations": [invocation],
        "originalUriBaseIds": {SARIF_ROOT: {"uri": root.as_uri().rstrip("/") + "/"}},
        # Finding.column counts characters, as flake8 does; SARIF's default is UTF-16 code units.
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _sarif_rule(rule: Rule) -> dict:
    docs = rule.docs()
    configuration = {"level": SARIF_LEVEL}
    if rule.opt_in:
        configuration["enabled"] = False
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what_it_does},
        "help": {"text": docs, "markdown": docs},
        "defaultConfiguration": configuration,
        "properties": {"tags": list(rule_libraries(rule)), "fix": rule.fix},
    }


def _sarif_artifact(path: str, root: Path) -> dict:
    """The file as a URI relative to the root (with its base id), or absolute when outside it."""
    absolute = Path(os.path.abspath(path))
    relative = os.path.relpath(absolute, root)
    if relative.startswith(".."):
        return {"uri": absolute.as_uri()}
    return {"uri": urllib.parse.quote(Path(relative).as_posix()), "uriBaseId": SARIF_ROOT}


def _sarif_fix(fix: FindingFix, location: dict) -> dict:
    # SARIF regions count lines and columns from 1; the edits count from 0.
    replacements = [
        {
            "deletedRegion": {
                "startLine": edit.start[0] + 1,
                "startColumn": edit.start[1] + 1,
                "endLine": edit.end[0] + 1,
                "endColumn": edit.end[1] + 1,
            },
            "insertedContent": {"text": edit.text},
        }
        for edit in fix.edits
    ]
    return {"description": {"text": fix.title}, "artifactChanges": [{"artifactLocation": location, "replacements": replacements}]}


def statistics(findings: Iterable[Finding], output_format: str = "text") -> str:
    """How many findings of each code, most first (ruff's --statistics); as JSON, a list of
    ``{"code", "name", "count"}``."""
    counts = Counter(finding.code for finding in findings)
    rows = [
        (code, RULES_BY_CODE[code].name if code in RULES_BY_CODE else "", count)
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    if output_format == "json":
        return json.dumps([{"code": code, "name": name, "count": count} for code, name, count in rows], indent=2) + "\n"
    return "".join(f"{count:>6}  {code}  {name}\n" for code, name, count in rows)


def rule_libraries(rule: Rule, catalog: Catalog = CATALOG) -> tuple[str, ...]:
    """The libraries whose APIs this rule can flag: from the catalog, or as the rule says."""
    if rule.frameworks:
        return rule.frameworks
    if rule.hazard is None:
        return ("all",)
    libraries = {
        package(api.name)
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
