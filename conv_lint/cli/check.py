"""``conv-lint check``: report the findings, or mark them as a baseline (``--add-noqa``), or fix first (``--fix``)."""

from __future__ import annotations

import argparse
import ast
import io
import sys
from pathlib import Path

from conv_lint.analyzer import Finding, SourceError, parse
from conv_lint.cli.fix import fix_one, read_each
from conv_lint.cli.settings import results_cache_folder, describe_settings, settings_for
from conv_lint.config import Settings
from conv_lint.exit_codes import EXIT_CLEAN, EXIT_ERROR, exit_code, print_error
from conv_lint.noqa import add_noqa
from conv_lint.report import flake8_line, github_error, render, sarif, statistics
from conv_lint.runner import CheckOptions, SourceFile, check_files, discover


def command_check(args: argparse.Namespace) -> int:
    settings = settings_for(args)  # a ConfigError is reported by main, as for every command
    if args.show_settings:
        sys.stdout.write(describe_settings(settings))
        return EXIT_CLEAN
    if args.add_noqa and args.fix:
        print_error("--add-noqa marks the findings that remain: run --fix first, then --add-noqa")
        return EXIT_ERROR
    errors: list[str] = []
    sources = list(discover(args.paths or ["."], settings, errors, args.stdin_filename))
    options = CheckOptions(use_noqa=not args.disable_noqa, cache_folder=results_cache_folder(args, settings), jobs=args.jobs)
    fix_errors: list[str] = []
    fixed = _fix_before_check(sources, settings, args, fix_errors) if args.fix else None
    findings: list[Finding] = []
    for result in check_files(sources, settings, options):
        findings.extend(result.findings)
        errors.extend(result.errors)
    # A file check cannot read or parse was not fixed either: say so once.
    unchecked = {getattr(error, "path", None) for error in errors}
    errors.extend(error for error in fix_errors if not any(error.startswith(f"{path}:") for path in unchecked if path))
    if args.add_noqa:
        return _add_noqa(sources, findings, errors, args.quiet)
    report = _report(findings, sources, settings, options, args, errors)
    try:
        _write_report(report, args.output_file)
    except OSError as error:
        errors.append(f"--output-file {args.output_file}: cannot write: {error.strerror or error}")
    for message in errors:
        if args.format == "github":
            print(github_error(message))
        print_error(message)
    if args.format in ("text", "concise") and not args.quiet and not args.statistics:
        _print_summary(findings, fixed)
    return exit_code(errors, found=bool(findings), exit_zero=args.exit_zero)


def _report(
    findings: list[Finding],
    sources: list[SourceFile],
    settings: Settings,
    options: CheckOptions,
    args: argparse.Namespace,
    errors: list[str],
) -> str:
    if args.statistics:
        return statistics(findings, "json" if args.format == "json" else "text")
    if args.format in ("sarif", "json"):
        # The fixer is imported only here: it writes the fixes these formats carry.
        from conv_lint.fix import fixes_by_finding

        fixes = fixes_by_finding(sources, findings, settings, options.use_noqa)
        return sarif(findings, settings.root, fixes, errors) if args.format == "sarif" else render(findings, "json", fixes)
    if args.show_source:
        return show_source(findings, sources)
    return render(findings, args.format)


def _write_report(text: str, output_file: str | None) -> None:
    if output_file is None:
        sys.stdout.write(text)
        return
    Path(output_file).write_text(text, encoding="utf-8")


def show_source(findings: list[Finding], sources: list[SourceFile]) -> str:
    """flake8's ``--show-source``: each finding, then its source line and a caret under the column
    (the line's own tabs kept before it, so the caret lines up)."""
    from conv_lint.fix import decode_source  # only here: it comes with libcst

    by_display = {source.display: source for source in sources}
    lines: dict[str, list[str]] = {}
    out = []
    for finding in findings:
        if finding.path not in lines:
            try:
                text = decode_source(by_display[finding.path].read())
            except (KeyError, OSError, SyntaxError):
                text = ""
            lines[finding.path] = io.StringIO(text, newline=None).read().split("\n")
        out.append(flake8_line(finding) + "\n")
        source_lines = lines[finding.path]
        if 1 <= finding.line <= len(source_lines):
            line = source_lines[finding.line - 1]
            indent = "".join(c if c.isspace() else " " for c in line[: finding.column - 1])
            out.append(f"{line}\n{indent}^\n")
    return "".join(out)


def _fix_before_check(sources: list[SourceFile], settings: Settings, args: argparse.Namespace, errors: list[str]) -> tuple[int, int]:
    """``check --fix``: fix the files (not stdin) as ``conv-lint fix`` would; how many findings in how many files."""
    from conv_lint.fix import FixOptions

    options = FixOptions(unsafe=args.unsafe_fixes, use_noqa=not args.disable_noqa)
    fixed_findings = changed_files = 0
    for source, data in read_each((source for source in sources if source.path is not None), errors):
        result = fix_one(source, data, settings, options, _WRITE, errors)
        if result is not None and result.changed:
            fixed_findings += len(result.fixed_findings)
            changed_files += 1
    return fixed_findings, changed_files


# What fix_one is told by `check --fix`: write the fixed files, print no diff.
_WRITE = argparse.Namespace(diff=False, check=False)


def _print_summary(findings: list[Finding], fixed: tuple[int, int] | None) -> None:
    """The closing lines of a text report, on stderr (ruff's): what --fix fixed, what remains and
    how much of it the fixer can write."""
    if fixed is not None:
        print(f"Fixed {_count(fixed[0], 'finding')} in {_count(fixed[1], 'file')}.", file=sys.stderr)
    if not findings:
        return
    safe = sum(finding.applicability == "safe" for finding in findings)
    unsafe = sum(finding.applicability == "unsafe" for finding in findings)
    print(
        f"Found {_count(len(findings), 'finding')} ({safe} fixable with `conv-lint fix`, {unsafe} with `--unsafe-fixes`).",
        file=sys.stderr,
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _add_noqa(sources: list[SourceFile], findings: list[Finding], errors: list[str], quiet: bool) -> int:
    """``check --add-noqa``: a ``# noqa: CODES`` comment on every line with a finding, so that only
    new findings show from now on (ruff's baseline)."""
    from conv_lint.atomic_write import FileChangedError, write_atomic

    codes_by_file: dict[str, dict[int, set[str]]] = {}
    for finding in findings:
        codes_by_file.setdefault(finding.path, {}).setdefault(finding.line, set()).add(finding.code)
    added = changed_files = 0
    for source in sources:
        codes = codes_by_file.get(source.display)
        if not codes or source.path is None:  # stdin has no file to write
            continue
        try:
            data = source.read()
            marked, count = add_noqa(data, codes)
            if count == 0:
                continue
            if ast.dump(parse(marked, source.display)) != ast.dump(parse(data, source.display)):
                raise SourceError("adding noqa comments would change the code")
            write_atomic(source.path, marked, data)
        except (SourceError, UnicodeDecodeError, SyntaxError) as error:
            errors.append(f"{source.display}: {getattr(error, 'reason', error)}; not changed")
            continue
        except FileChangedError as error:
            errors.append(str(error))
            continue
        except OSError as error:
            errors.append(f"{source.display}: cannot write: {error.strerror or error}; not changed")
            continue
        added += count
        changed_files += 1
    for message in errors:
        print_error(message)
    if not quiet:
        print(f"Added {_count(added, 'noqa directive')} in {_count(changed_files, 'file')}.", file=sys.stderr)
    return exit_code(errors, found=False, exit_zero=False)  # the findings marked are its work, not a failure
