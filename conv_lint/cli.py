"""``conv-lint``: check files, list rules, explain one.

Exit codes (as Fixit and ruff): 0 nothing found, 1 findings, 2 a usage error or a file that
could not be read or parsed (the other files are still checked).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from conv_lint import __version__
from conv_lint.analyzer import Finding, SourceError, analyze
from conv_lint.config import ConfigError, Settings, load, parse_codes
from conv_lint.noqa import is_suppressed, noqa_lines
from conv_lint.report import FORMATS, render, rules_table
from conv_lint.rules import RULES_BY_CODE

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
STDIN = "-"
STDIN_DISPLAY = "stdin"  # flake8's name for it, so both print the same lines


@dataclass(frozen=True)
class SourceFile:
    display: str
    path: Path | None  # None for stdin


def _error(message: str) -> None:
    print(f"conv-lint: error: {message}", file=sys.stderr)


def discover(paths: list[str], settings: Settings, errors: list[str]) -> Iterator[SourceFile]:
    """Python files under ``paths`` in a stable order; files named explicitly are always checked."""
    for raw in paths:
        if raw == STDIN:
            yield SourceFile(STDIN, None)
            continue
        path = Path(raw)
        if path.is_dir():
            yield from _walk(path, settings)
        elif path.exists() or path.is_symlink():
            yield SourceFile(raw, path)
        else:
            errors.append(f"{raw}: no such file or directory")


def _walk(top: Path, settings: Settings) -> Iterator[SourceFile]:
    for folder, dirnames, filenames in os.walk(top):
        folder_path = Path(folder)
        dirnames[:] = sorted(d for d in dirnames if not settings.excluded(folder_path / d))
        for name in sorted(filenames):
            file_path = folder_path / name
            if name.endswith((".py", ".pyi")) and not settings.excluded(file_path):
                yield SourceFile(str(file_path), file_path)


def _read(source: SourceFile) -> bytes:
    if source.path is None:
        return sys.stdin.buffer.read()
    return source.path.read_bytes()


def check_source(source: SourceFile, settings: Settings, display: str, use_noqa: bool) -> list[Finding]:
    data = _read(source)
    findings = [f for f in analyze(data, display) if settings.code_enabled(f.code, str(source.path or display))]
    if findings and use_noqa:
        lines = noqa_lines(data.decode("utf-8", errors="replace"))
        findings = [f for f in findings if not is_suppressed(f.code, lines.get(f.line))]
    return findings


def command_check(args: argparse.Namespace) -> int:
    try:
        settings = _settings(args)
    except ConfigError as error:
        _error(str(error))
        return EXIT_ERROR
    errors: list[str] = []
    findings: list[Finding] = []
    for source in discover(args.paths or ["."], settings, errors):
        display = args.stdin_filename or STDIN_DISPLAY if source.path is None else source.display
        try:
            findings.extend(check_source(source, settings, display, not args.disable_noqa))
        except SourceError as error:
            errors.append(f"{display}:{error.line}:{error.column}: {error.reason}")
        except OSError as error:
            errors.append(f"{display}: cannot read: {error.strerror or error}")
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
