"""``conv-lint fix``: pin today's defaults, or align calls with another framework; ``--diff``, ``--check``, ``--verify``."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from conv_lint.analyzer import SourceError
from conv_lint.cli.settings import results_cache_folder, settings_for
from conv_lint.config import Settings
from conv_lint.exit_codes import EXIT_ERROR, finish, print_error
from conv_lint.runner import STDIN, CheckOptions, SourceFile, check_files, discover, stdin_excluded

if TYPE_CHECKING:
    from conv_lint.fix import FileFix, FixOptions


def command_fix(args: argparse.Namespace) -> int:
    # The fixer is needed to edit, not to check: `check` starts faster without it.
    from conv_lint.fix import FixOptions, NotFixed
    settings = settings_for(args)  # a ConfigError is reported by main, as for every command
    options = FixOptions(unsafe=args.unsafe_fixes, align_with=args.align_with, use_noqa=not args.disable_noqa)
    dry_run = args.diff or args.check
    errors: list[str] = []
    left: list[NotFixed] = []
    fixed_findings = changed_files = 0
    sources = list(discover(args.paths or ["."], settings, errors, args.stdin_filename))
    if STDIN in args.paths and stdin_excluded(settings, args.stdin_filename) and not dry_run:
        sys.stdout.buffer.write(SourceFile(args.stdin_filename, None).read())  # excluded: echoed unchanged, as ruff does
    if not args.align_with:  # --align-with also rewrites calls that have no finding
        sources = _with_findings(sources, settings, options, results_cache_folder(args, settings))
    files = read_each(sources, errors)
    if args.verify:
        files = list(files)  # --verify runs every pin before the first file is written
        options = _verified_pins(files, settings, options, args)
        if options is None:
            return EXIT_ERROR
    for source, data in files:  # the very bytes --verify ran: a file changed since is not overwritten
        result = fix_one(source, data, settings, options, args, errors)
        if result is not None:
            fixed_findings += len(result.fixed_findings)
            changed_files += result.changed
            left.extend(result.not_fixed)
    sys.stdout.flush()  # the diff or the fixed source first, then what is left, on stderr
    for item in left:
        finding = item.finding
        print(f"{finding.path}:{finding.line}:{finding.column}: {finding.code} not fixed: {item.reason}", file=sys.stderr)
    verb = "would fix" if dry_run else "fixed"
    print(
        f"conv-lint: {verb} {fixed_findings} finding(s) in {changed_files} file(s); {len(left)} left that cannot be fixed safely",
        file=sys.stderr,
    )
    return finish(errors, found=bool(changed_files if dry_run else left), exit_zero=args.exit_zero)


def _with_findings(sources: list[SourceFile], settings: Settings, options: FixOptions, cache: Path | None) -> list[SourceFile]:
    """The sources check reports something in (a finding or an error), found as check finds them
    (in parallel, through its cache); the others have nothing to fix. Standard input is always
    kept: its fixed source is printed, changed or not."""
    results = check_files(sources, settings, CheckOptions(use_noqa=options.use_noqa, cache_folder=cache, jobs=os.cpu_count() or 1))
    return [source for source, result in zip(sources, results) if source.path is None or result.findings or result.errors]


def read_each(sources: Iterable[SourceFile], errors: list[str]) -> Iterator[tuple[SourceFile, bytes]]:
    """Each source with its content, read as it comes; one that cannot be read is an error line."""
    for source in sources:
        try:
            yield source, source.read()
        except OSError as error:
            errors.append(f"{source.display}: cannot read: {error.strerror or error}")


def _verified_pins(
    files: list[tuple[SourceFile, bytes]], settings: Settings, options: FixOptions, args: argparse.Namespace
) -> FixOptions | None:
    """``fix --verify``: ``options`` refusing every pin a run in the framework did not confirm
    bit-identical; None (after saying why) when it cannot run."""
    from conv_lint.verify.command import missing_frameworks_error, pin_refusals

    if args.align_with:
        print_error("--verify checks pins of today's defaults; --align-with changes behaviour on purpose (check it with conv-lint verify)")
        return None
    missing = missing_frameworks_error("fix --verify")
    if missing:
        print_error(missing)
        return None
    files_read = [(source.display, data) for source, data in files]
    refused = pin_refusals(files_read, settings, options, args.cache_dir, args.no_cache)
    return replace(options, refused_pins=refused)


def fix_one(
    source: SourceFile, data: bytes, settings: Settings, options: FixOptions, args: argparse.Namespace, errors: list[str]
) -> FileFix | None:
    from conv_lint.atomic_write import FileChangedError, write_atomic
    from conv_lint.fix import fix_source

    try:
        result = fix_source(data, source.display, settings, options)
    except SourceError as error:
        errors.append(f"{source.display}:{error.line}:{error.column}: {error.reason}; not changed")
        if source.path is None and not args.diff:
            sys.stdout.buffer.write(data)  # an editor replaces its buffer with stdout: give it back unchanged
        return None
    if source.path is None:  # stdin: the fixed code goes to stdout, as black and ruff do
        sys.stdout.buffer.write(_diff(source.display, result).encode() if args.diff else result.fixed)
    elif result.changed and args.diff:
        sys.stdout.write(_diff(source.display, result))
    elif result.changed and not args.check:
        try:
            write_atomic(source.path, result.fixed, data)
        except FileChangedError as error:
            errors.append(str(error))
            return None
        except OSError as error:
            errors.append(f"{source.display}: cannot write: {error.strerror or error}; not changed")
            return None
    return result


def _diff(display: str, result: FileFix) -> str:
    # Decoded in the file's own encoding (coding cookie, BOM), printed in the terminal's.
    from conv_lint.fix import decode_source

    before, after = (decode_source(data).splitlines(keepends=True) for data in (result.original, result.fixed))
    # git's a/ and b/ prefixes; an absolute path gives a/tmp/x.py, not a//tmp/x.py.
    path = display.lstrip("/")
    return "".join(difflib.unified_diff(before, after, f"a/{path}", f"b/{path}"))
