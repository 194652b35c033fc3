"""``conv-lint``: check files, list rules, explain one.

Exit codes (as Fixit and ruff): 0 nothing found, 1 findings, 2 a usage error or a file that
could not be read or parsed (the other files are still checked).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from conv_lint import __version__
from conv_lint.analyzer import Finding, SourceError, analyze
from conv_lint.config import ConfigError, Settings, load, parse_codes
from conv_lint.report import FORMATS, render, rules_table
from conv_lint.rules import RULES_BY_CODE
from conv_lint.runner import discover, select_findings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _error(message: str) -> None:
    print(f"conv-lint: error: {message}", file=sys.stderr)


def command_check(args: argparse.Namespace) -> int:
    try:
        settings = _settings(args)
    except ConfigError as error:
        _error(str(error))
        return EXIT_ERROR
    errors: list[str] = []
    findings: list[Finding] = []
    for source in discover(args.paths or ["."], settings, errors, args.stdin_filename):
        try:
            data = source.read()
            found = analyze(data, source.display)
        except SourceError as error:
            errors.append(f"{source.display}:{error.line}:{error.column}: {error.reason}")
            continue
        except OSError as error:
            errors.append(f"{source.display}: cannot read: {error.strerror or error}")
            continue
        findings.extend(select_findings(found, data, settings, source.display, not args.disable_noqa))
    sys.stdout.write(render(findings, args.format))
    for message in errors:
        _error(message)
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if findings and not args.exit_zero else EXIT_CLEAN


def _settings(args: argparse.Namespace) -> Settings:
    settings = load(Path(args.config) if args.config else None)
    if args.select is not None:
        settings = replace(settings, select=parse_codes([args.select], "--select"))
    if args.extend_select:
        settings = replace(settings, extend_select=settings.extend_select + parse_codes([args.extend_select], "--extend-select"))
    if args.ignore:
        settings = replace(settings, ignore=settings.ignore + parse_codes([args.ignore], "--ignore"))
    return settings


def command_rules(args: argparse.Namespace) -> int:
    sys.stdout.write(rules_table(markdown=args.format == "markdown"))
    return EXIT_CLEAN


def command_explain(args: argparse.Namespace) -> int:
    rule = RULES_BY_CODE.get(args.code.upper())
    if rule is None:
        _error(f"unknown rule {args.code!r}; `conv-lint rules` lists them")
        return EXIT_ERROR
    sys.stdout.write(rule.docs())
    return EXIT_CLEAN


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conv-lint",
        description="Find convolution calls that rely on framework defaults which differ between "
        "TensorFlow/Keras, JAX, Flax, Haiku, Equinox and PyTorch.",
    )
    parser.add_argument("--version", action="version", version=f"conv-lint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="report conv calls that rely on defaults")
    check.add_argument("paths", nargs="*", help="files or folders to check ('-' reads stdin); default: .")
    check.add_argument("--select", help="comma-separated codes or prefixes to report (replaces the configured list)")
    check.add_argument("--extend-select", help="codes or prefixes to report in addition, e.g. CNV901")
    check.add_argument("--ignore", help="codes or prefixes not to report")
    check.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    check.add_argument("--config", help="pyproject.toml to read [tool.conv-lint] from (default: the closest one)")
    check.add_argument("--stdin-filename", help="name to report for '-' (default: stdin)")
    check.add_argument("--disable-noqa", action="store_true", help="report findings on lines marked # noqa")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are reported")
    check.set_defaults(handler=command_check)

    rules = commands.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=("text", "markdown"), default="text")
    rules.set_defaults(handler=command_rules)

    explain = commands.add_parser("explain", help="print one rule's documentation")
    explain.add_argument("code", help="rule code, e.g. CNV001")
    explain.set_defaults(handler=command_explain)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except ConfigError as error:
        _error(str(error))
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
