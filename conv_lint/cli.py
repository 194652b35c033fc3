"""``conv-lint``: check files, list rules, explain one.

Exit codes (as Fixit and ruff): 0 nothing found, 1 findings, 2 a usage error or a file that
could not be read or parsed (the other files are still checked).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import io
import os
import signal
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from conv_lint import __version__
from conv_lint.analyzer import Finding, SourceError, parse
from conv_lint.cache import FOLDER_NAME, cache_folder
from conv_lint.catalog import ALIGN_CHOICES
from conv_lint.config import FRAMEWORK_NAMES, ConfigError, Settings, load, parse_codes, parse_frameworks, words
from conv_lint.exit_codes import EXIT_CLEAN, EXIT_ERROR, EXIT_INTERRUPTED, exit_code, finish, print_error
from conv_lint.noqa import add_noqa
from conv_lint.report import CHECK_FORMATS, FORMATS, flake8_line, github_error, render, rules_table, sarif, statistics
from conv_lint.rules import RULES_BY_CODE
from conv_lint.runner import CheckOptions, SourceFile, check_files, discover

if TYPE_CHECKING:
    from conv_lint.fix import FileFix, FixOptions

def command_check(args: argparse.Namespace) -> int:
    try:
        settings = _settings(args)
    except ConfigError as error:
        print_error(str(error))
        return EXIT_ERROR
    if args.show_settings:
        sys.stdout.write(_describe(settings))
        return EXIT_CLEAN
    if args.add_noqa and args.fix:
        print_error("--add-noqa marks the findings that remain: run --fix first, then --add-noqa")
        return EXIT_ERROR
    errors: list[str] = []
    sources = list(discover(args.paths or ["."], settings, errors, args.stdin_filename))
    options = CheckOptions(use_noqa=not args.disable_noqa, cache_folder=_cache_folder(args, settings), jobs=args.jobs)
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
    for source, data in _read_each((source for source in sources if source.path is not None), errors):
        result = _fix_one(source, data, settings, options, _WRITE, errors)
        if result is not None and result.changed:
            fixed_findings += len(result.fixed_findings)
            changed_files += 1
    return fixed_findings, changed_files


# What _fix_one is told by `check --fix`: write the fixed files, print no diff.
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
    from conv_lint.fix import FileChangedError, write_atomic

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


def command_fix(args: argparse.Namespace) -> int:
    # The fixer is needed to edit, not to check: `check` starts faster without it.
    from conv_lint.fix import FixOptions, NotFixed
    try:
        settings = _settings(args)
    except ConfigError as error:
        print_error(str(error))
        return EXIT_ERROR
    options = FixOptions(unsafe=args.unsafe_fixes, align_with=args.align_with, use_noqa=not args.disable_noqa)
    dry_run = args.diff or args.check
    errors: list[str] = []
    left: list[NotFixed] = []
    fixed_findings = changed_files = 0
    sources = list(discover(args.paths or ["."], settings, errors, args.stdin_filename))
    if not args.align_with:  # --align-with also rewrites calls that have no finding
        sources = _with_findings(sources, settings, options, _cache_folder(args, settings))
    files = _read_each(sources, errors)
    if args.verify:
        files = list(files)  # --verify runs every pin before the first file is written
        options = _verified_pins(files, settings, options, args)
        if options is None:
            return EXIT_ERROR
    for source, data in files:  # the very bytes --verify ran: a file changed since is not overwritten
        result = _fix_one(source, data, settings, options, args, errors)
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


def _cache_folder(args: argparse.Namespace, settings: Settings) -> Path | None:
    return None if args.no_cache else cache_folder(settings.root, args.cache_dir)


def _read_each(sources: Iterable[SourceFile], errors: list[str]) -> Iterator[tuple[SourceFile, bytes]]:
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


def _fix_one(
    source: SourceFile, data: bytes, settings: Settings, options: FixOptions, args: argparse.Namespace, errors: list[str]
) -> FileFix | None:
    from conv_lint.fix import FileChangedError, fix_source, write_atomic

    try:
        result = fix_source(data, source.display, settings, options)
    except SourceError as error:
        errors.append(f"{source.display}:{error.line}:{error.column}: {error.reason}; not changed")
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


def _describe(settings: Settings) -> str:
    """The settings in force, after the configuration file and the command line, one per line."""
    rows = [
        ("configuration", str(settings.source) if settings.source else "(none: defaults)"),
        ("root", str(settings.root)),
        ("select", ", ".join(settings.select)),
        ("extend-select", ", ".join(settings.extend_select)),
        ("ignore", ", ".join(settings.ignore)),
        ("exclude", ", ".join(settings.exclude)),
        ("extend-exclude", ", ".join(settings.extend_exclude)),
        ("per-file-ignores", "; ".join(f"{glob} = {', '.join(codes)}" for glob, codes in settings.per_file_ignores)),
        ("respect-gitignore", str(settings.respect_gitignore).lower()),
        ("force-exclude", str(settings.force_exclude).lower()),
        ("frameworks", ", ".join(settings.frameworks) or "(all)"),
    ]
    return "".join(f"{name} = {value}\n" for name, value in rows)


def _settings(args: argparse.Namespace) -> Settings:
    settings = load(Path(args.config) if args.config else None)
    if args.select is not None:
        settings = replace(settings, select=parse_codes([args.select], "--select"))
    if args.extend_select:
        settings = replace(settings, extend_select=settings.extend_select + parse_codes([args.extend_select], "--extend-select"))
    if args.ignore:
        settings = replace(settings, ignore=settings.ignore + parse_codes([args.ignore], "--ignore"))
    if args.respect_gitignore is not None:
        settings = replace(settings, respect_gitignore=args.respect_gitignore)
    if args.extend_exclude:
        settings = replace(settings, extend_exclude=settings.extend_exclude + tuple(words([args.extend_exclude])))
    if args.force_exclude is not None:
        settings = replace(settings, force_exclude=args.force_exclude)
    if args.frameworks is not None:
        settings = replace(settings, frameworks=parse_frameworks([args.frameworks], "--frameworks"))
    return settings


def command_rules(args: argparse.Namespace) -> int:
    sys.stdout.write(rules_table(markdown=args.format == "markdown"))
    return EXIT_CLEAN


def command_explain(args: argparse.Namespace) -> int:
    rule = RULES_BY_CODE.get(args.code.upper())
    if rule is None:
        print_error(f"unknown rule {args.code!r}; `conv-lint rules` lists them")
        return EXIT_ERROR
    sys.stdout.write(rule.docs())
    return EXIT_CLEAN


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def command_verify(args: argparse.Namespace) -> int:
    # Imported only here: verify drives TensorFlow and JAX worker processes, which check, fix
    # and the flake8 plugin must never pay for.
    from conv_lint.verify.command import run_verify
    from conv_lint.verify.options import VerifyOptions

    options = VerifyOptions(
        paths=tuple(args.paths or ["."]),
        stdin_filename=args.stdin_filename,
        use_noqa=not args.disable_noqa,
        exit_zero=args.exit_zero,
        format=args.format,
        html=args.html,
        input_shape=args.input_shape,
        seed=args.seed,
        timeout=args.timeout,
        memory_mb=args.memory_limit or None,
        cache_dir=args.cache_dir,
        no_cache=args.no_cache,
        run_files=args.exec,
    )
    return run_verify(options, _settings(args))


def command_lsp(args: argparse.Namespace) -> int:
    # pygls is an optional dependency: only the language server needs it.
    try:
        from conv_lint.lsp import main as serve
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in ("pygls", "lsprotocol"):
            raise
        print_error('the language server needs pygls: pip install "pygls>=2" (or install conv-lint with its lsp extra: pip install ".[lsp]")')
        return EXIT_ERROR
    return serve()


def _common_options(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument("paths", nargs="*", help=f"files or folders to {verb} ('-' reads stdin); default: .")
    parser.add_argument("--select", help=f"comma-separated codes or prefixes to {verb} (replaces the configured list)")
    parser.add_argument("--extend-select", help=f"codes or prefixes to {verb} in addition, e.g. CNV901")
    parser.add_argument("--ignore", help=f"codes or prefixes not to {verb}")
    parser.add_argument("--config", help="pyproject.toml to read [tool.conv-lint] from (default: the closest one)")
    parser.add_argument(
        "--frameworks",
        metavar="NAMES",
        help="comma-separated frameworks your team ports between: messages compare with their defaults only, and port"
        f" notes about others are off (replaces the configured list; {', '.join(FRAMEWORK_NAMES)}; default: all)",
    )
    parser.add_argument("--stdin-filename", help="name to report for '-' (default: stdin)")
    parser.add_argument("--disable-noqa", action="store_true", help=f"{verb} findings on lines marked # noqa too")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings remain")
    parser.add_argument(
        "--no-respect-gitignore",
        dest="respect_gitignore",
        action="store_false",
        default=None,
        help=f"also {verb} files that .gitignore excludes (default: skip them when folders are walked, like ruff)",
    )
    parser.add_argument(
        "--extend-exclude",
        metavar="PATTERNS",
        help="comma-separated glob patterns to exclude in addition to the configured ones",
    )
    parser.add_argument(
        "--force-exclude",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="apply the exclusions to files named on the command line too, as pre-commit names them"
        " (default: the force-exclude setting, else off)",
    )


def _unsafe_fixes_option(parser: argparse.ArgumentParser, lead: str) -> None:
    parser.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help=f"{lead}pin defaults that depend on global settings (Keras data_format=None)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conv-lint",
        description="Find convolution calls that rely on framework defaults which differ between "
        "TensorFlow/Keras, JAX, Flax, Haiku, Equinox and PyTorch.",
    )
    parser.add_argument("--version", action="version", version=f"conv-lint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="report conv calls that rely on defaults")
    _common_options(check, "report")
    check.add_argument(
        "--format",
        choices=CHECK_FORMATS,
        default="text",
        help="output format (default: text, flake8's one line per finding, also called concise; github: workflow"
        " annotations; sarif: SARIF 2.1.0 with rules and fixes)",
    )
    check.add_argument(
        "--statistics", action="store_true", help="print how many findings of each code instead of each finding (text or json)"
    )
    check.add_argument("--fix", action="store_true", help="apply the safe fixes first (as conv-lint fix), then report what remains")
    _unsafe_fixes_option(check, "with --fix: also apply the unsafe fixes, ")
    check.add_argument(
        "--add-noqa",
        action="store_true",
        help="write a # noqa: CODES comment on every line with a finding (a baseline: from then on only new findings show)",
    )
    check.add_argument("--quiet", "-q", action="store_true", help="print the findings only, no closing summary")
    check.add_argument("--output-file", "-o", metavar="PATH", help="write the report to PATH instead of stdout")
    check.add_argument("--show-source", action="store_true", help="text format: show each finding's source line with a caret under the column")
    check.add_argument("--show-settings", action="store_true", help="print the settings in force and exit")
    check.add_argument(
        "--jobs", "-j", type=_positive, default=os.cpu_count() or 1, help="parallel processes (default: number of CPUs)"
    )
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the results cache")
    check.add_argument("--cache-dir", help=f"where to keep the cache (default: {FOLDER_NAME} beside the configuration)")
    check.set_defaults(handler=command_check)

    fix = commands.add_parser(
        "fix",
        help="write today's defaults explicitly (safe), or align calls with another framework (unsafe)",
    )
    _common_options(fix, "fix")
    fix.add_argument("--diff", action="store_true", help="print a unified diff; write nothing")
    fix.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change")
    _unsafe_fixes_option(fix, "also ")
    fix.add_argument(
        "--verify",
        action="store_true",
        help="run each pin in its framework first (TensorFlow/JAX, the verify extra) and write only those that give"
        " bit-identical outputs",
    )
    fix.add_argument(
        "--align-with",
        choices=ALIGN_CHOICES,
        help="unsafe: set padding and initializers so each call behaves like this framework's default conv layer",
    )
    fix.add_argument("--no-cache", action="store_true", help="neither read nor write check's results cache (nor, with --verify, the pin checks' answers)")
    fix.add_argument("--cache-dir", help=f"where check's results cache (and, with --verify, the pin checks' answers) is (default: {FOLDER_NAME} beside the configuration)")
    fix.set_defaults(handler=command_fix)

    rules = commands.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=("text", "markdown"), default="text")
    rules.set_defaults(handler=command_rules)

    explain = commands.add_parser("explain", help="print one rule's documentation")
    explain.add_argument("code", help="rule code, e.g. CNV001")
    explain.set_defaults(handler=command_explain)

    verify = commands.add_parser(
        "verify", help="run each finding's call in TensorFlow and JAX: does the default really diverge, do fix and pin hold?"
    )
    _common_options(verify, "verify")
    verify.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    verify.add_argument("--html", metavar="PATH", help="also write a self-contained HTML report with plots")
    verify.add_argument("--input-shape", help="probe input, channels-last N,spatial...,C (default 1,7,1 and the next lengths up to the stride)")
    verify.add_argument("--seed", type=int, default=0, help="seed of the probe arrays and initializers (default: 0)")
    verify.add_argument("--timeout", type=float, default=120.0, help="seconds per worker answer, worker start and --exec snippet (default: 120)")
    verify.add_argument("--memory-limit", type=int, default=8192, metavar="MB", help="address space of each worker and snippet (default: 8192; 0: none)")
    verify.add_argument("--no-cache", action="store_true", help="compute every answer again and keep nothing (JAX's compiled programs go to a temporary folder)")
    verify.add_argument("--cache-dir", help=f"where to keep the workers' answers and JAX's compiled programs between runs (default: {FOLDER_NAME} beside the configuration)")
    verify.add_argument("--exec", action="store_true", help="run the files themselves (sandboxed), recording and replaying each conv call")
    verify.set_defaults(handler=command_verify)

    lsp = commands.add_parser(
        "lsp",
        help="run the language server on stdin/stdout: diagnostics and quick fixes in the editor (needs pygls: the lsp extra)",
    )
    # Editors' LSP clients (vscode-languageclient among them) add --stdio; it is the only transport.
    lsp.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default and only transport)")
    lsp.set_defaults(handler=command_lsp)
    return parser


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so a fix in progress removes its
    # temporary file; every file is then either untouched or completely fixed.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return args.handler(args)
    except ConfigError as error:
        print_error(str(error))
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
