"""flake8 glue: run the analyzer on the lines flake8 read (a file or stdin), yield tuples.

flake8 applies select/ignore/per-file-ignores and ``# noqa`` itself. Three decisions are left
here: the opt-in codes (CNV9xx), which, as in flake8-bugbear, need a select more precise than
``CNV``; the target frameworks (``--conv-frameworks``, or ``conv-frameworks =`` in flake8's
configuration file), which tailor the messages and switch off port notes about other frameworks
exactly as ``frameworks`` in ``[tool.conv-lint]`` does for ``conv-lint check``; and skipping all
work when the run selects no CNV code at all (flake8 runs every plugin whatever is selected, and
filters afterwards).
"""

from __future__ import annotations

from collections.abc import Iterator

from conv_lint import __version__
from conv_lint.analyzer import SourceError, analyze
from conv_lint.config import FRAMEWORK_NAMES, ConfigError, off_for_frameworks, parse_frameworks
from conv_lint.rules import OPT_IN_PREFIX, PREFIX


def _prefixes(options: object, *names: str) -> list[str]:
    return [prefix for name in names for prefix in (getattr(options, name, None) or ())]


class ConvLintPlugin:
    name = "conv-lint"
    version = __version__
    enabled = True
    # The selected prefixes that reach opt-in codes (`CNV9`, `CNV902`): more precise than `CNV`.
    opt_in_prefixes: tuple[str, ...] = ()
    selected: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()

    def __init__(self, tree: object, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager: object) -> None:
        manager.add_option(
            "--conv-frameworks",
            metavar="NAMES",
            default=[],
            parse_from_config=True,
            comma_separated_list=True,
            help="Frameworks your team ports between, comma-separated: conv-lint messages compare with"
            " their defaults only, and port notes about others are off"
            f" ({', '.join(FRAMEWORK_NAMES)}). Default: all. (Also: conv-frameworks = in the config file.)",
        )

    @classmethod
    def parse_options(cls, options: object) -> None:
        selected = _prefixes(options, "select", "extend_select")
        ignored = _prefixes(options, "ignore", "extend_ignore")
        cls.selected = tuple(selected)
        try:
            cls.frameworks = parse_frameworks(getattr(options, "conv_frameworks", None) or (), "--conv-frameworks")
        except ConfigError as error:
            from flake8.exceptions import ExecutionError  # flake8 prints it without a traceback

            raise ExecutionError(str(error)) from None
        cls.opt_in_prefixes = tuple(p for p in selected if p.startswith(OPT_IN_PREFIX))
        if getattr(options, "select", None):
            # An explicit --select: our codes count only if a prefix can reach them.
            cls.enabled = any(PREFIX.startswith(p) or p.startswith(PREFIX) for p in selected)
        else:
            # The default selection includes plugins, unless an ignore covers every CNV code.
            cls.enabled = not any(PREFIX.startswith(p) for p in ignored) or bool(selected)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        if not self.enabled:
            return
        try:
            findings = analyze("".join(self.lines), self.filename, check_syntax=False, frameworks=self.frameworks)
        except SourceError:
            return  # flake8 reports the syntax error itself (E999)
        for finding in findings:
            if finding.code.startswith(OPT_IN_PREFIX) and not finding.code.startswith(self.opt_in_prefixes):
                continue
            if off_for_frameworks(finding.code, self.frameworks, self.selected):
                continue
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)
