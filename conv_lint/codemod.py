"""The fixer as a libcst codemod command, for codemod runs over a whole repository:

    python -m libcst.tool codemod --no-format -x conv_lint.codemod.PinDefaults src/

It applies the same transform as ``conv-lint fix`` (the same ``[tool.conv-lint]`` settings
and ``# noqa`` handling), so both give the same text.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext, SkipFile

from conv_lint.analyzer import SourceError
from conv_lint.config import load
from conv_lint.catalog import ALIGN_CHOICES
from conv_lint.fix import FixOptions, fix_source


class PinDefaults(CodemodCommand):
    DESCRIPTION = "Write the conv defaults in force today explicitly (conv-lint fix)."

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument("--unsafe-fixes", action="store_true", help="also pin Keras data_format=None")
        arg_parser.add_argument("--align-with", choices=ALIGN_CHOICES, help="unsafe: align with this framework")

    def __init__(self, context: CodemodContext, unsafe_fixes: bool = False, align_with: str | None = None) -> None:
        super().__init__(context)
        self.options = FixOptions(unsafe=unsafe_fixes, align_with=align_with)
        self.settings = load(start=Path.cwd())

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        path = self.context.filename or "-"
        try:
            result = fix_source(tree.bytes, path, self.settings, self.options)
        except SourceError as error:
            raise SkipFile(error.reason) from None
        for item in result.not_fixed:
            finding = item.finding
            self.warn(f"{finding.line}:{finding.column}: {finding.code} not fixed: {item.reason}")
        return cst.parse_module(result.fixed) if result.changed else tree
