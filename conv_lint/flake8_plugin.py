"""flake8 glue: run the analyzer on the lines flake8 read (a file or stdin), yield tuples.

flake8 applies select/ignore/per-file-ignores and ``# noqa`` itself. The one decision left
here is the opt-in codes (CNV9xx), which, as in flake8-bugbear, need a select more precise
than ``CNV``.
"""

from __future__ import annotations

from collections.abc import Iterator

from conv_lint import __version__
from conv_lint.analyzer import SourceError, analyze
from conv_lint.rules import OPT_IN_PREFIX, PREFIX


class ConvLintPlugin:
    name = "conv-lint"
    version = __version__
    opt_in_selected = False

    def __init__(self, tree: object, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines

    @classmethod
    def parse_options(cls, options: object) -> None:
        prefixes = [*(getattr(options, "select", None) or ()), *(getattr(options, "extend_select", None) or ())]
        cls.opt_in_selected = any(p.startswith(OPT_IN_PREFIX) and len(p) > len(PREFIX) for p in prefixes)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        try:
            findings = analyze("".join(self.lines), self.filename)
        except SourceError:
            return  # flake8 reports the syntax error itself (E999)
        for finding in findings:
            if finding.code.startswith(OPT_IN_PREFIX) and not self.opt_in_selected:
                continue
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)
