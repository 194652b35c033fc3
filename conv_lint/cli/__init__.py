"""``conv-lint``: the command line.

Commands: ``check`` (report findings), ``fix`` (pin today's defaults, or align with another
framework), ``rules`` (list the rules), ``explain`` (one rule's documentation), ``defaults`` (the
defaults table of every API, as ``docs/defaults.md``), ``verify`` (run findings' calls in
TensorFlow and JAX), ``lsp`` (the language server).

``check`` lives in ``cli.check``, ``fix`` in ``cli.fix``, the settings both read in
``cli.settings``; this module builds the parser and runs the other commands. Exit codes
(``conv_lint.exit_codes``, as Fixit and ruff): 0 nothing found, 1 findings, 2 a usage error or a
file that could not be read or parsed (the other files are still checked).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from conv_lint import __version__
from conv_lint.cache import FOLDER_NAME
from conv_lint.catalog import ALIGN_CHOICES
from conv_lint.cli.check import command_check
from conv_lint.cli.fix import command_fix
from conv_lint.cli.settings import settings_for
from conv_lint.config import FRAMEWORK_NAMES, ConfigError
from conv_lint.defaults_doc import defaults_markdown
from conv_lint.exit_codes import EXIT_CLEAN, EXIT_ERROR, EXIT_INTERRUPTED, print_error
from conv_lint.report import CHECK_FORMATS, FORMATS, rules_table
from conv_lint.rules import RULES_BY_CODE


def command_rules(args: argparse.Namespace) -> int:
    sys.stdout.write(rules_table(markdown=args.format == "markdown"))
    return EXIT_CLEAN


def command_defaults(args: argparse.Namespace) -> int:
    sys.stdout.write(defaults_markdown())
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
    return run_verify(options, settings_for(args))


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
    _check_parser(commands)
    _fix_parser(commands)
    _documentation_parsers(commands)
    _verify_parser(commands)
    _lsp_parser(commands)
    return parser


def _check_parser(commands: argparse._SubParsersAction) -> None:
    """``conv-lint check`` and its options."""
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


def _fix_parser(commands: argparse._SubParsersAction) -> None:
    """``conv-lint fix`` and its options."""
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


def _documentation_parsers(commands: argparse._SubParsersAction) -> None:
    """``rules``, ``explain`` and ``defaults``: what conv-lint knows, printed."""
    rules = commands.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=("text", "markdown"), default="text")
    rules.set_defaults(handler=command_rules)

    explain = commands.add_parser("explain", help="print one rule's documentation")
    explain.add_argument("code", help="rule code, e.g. CNV001")
    explain.set_defaults(handler=command_explain)

    defaults = commands.add_parser("defaults", help="print the defaults of every API conv-lint knows (docs/defaults.md)")
    defaults.set_defaults(handler=command_defaults)


def _verify_parser(commands: argparse._SubParsersAction) -> None:
    """``conv-lint verify`` and its options."""
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


def _lsp_parser(commands: argparse._SubParsersAction) -> None:
    """``conv-lint lsp``."""
    lsp = commands.add_parser(
        "lsp",
        help="run the language server on stdin/stdout: diagnostics and quick fixes in the editor (needs pygls: the lsp extra)",
    )
    # Editors' LSP clients (vscode-languageclient among them) add --stdio; it is the only transport.
    lsp.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default and only transport)")
    lsp.set_defaults(handler=command_lsp)


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
