"""What ``check`` and ``fix`` share: finding the files, reading them, and choosing which
findings to show (select/ignore, per-file ignores and ``# noqa``, exactly as flake8 does)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from conv_lint.analyzer import Finding
from conv_lint.config import Settings
from conv_lint.noqa import file_is_suppressed, is_suppressed, noqa_lines

STDIN = "-"
STDIN_DISPLAY = "stdin"  # flake8's name for it, so both print the same lines


@dataclass(frozen=True)
class SourceFile:
    display: str
    path: Path | None  # None for stdin

    def read(self) -> bytes:
        if self.path is None:
            return sys.stdin.buffer.read()
        return self.path.read_bytes()


def discover(
    paths: Iterable[str], settings: Settings, errors: list[str], stdin_name: str | None = None
) -> Iterator[SourceFile]:
    """Python files under ``paths`` in a stable order; files named explicitly are always checked."""
    for raw in paths:
        if raw == STDIN:
            yield SourceFile(stdin_name or STDIN_DISPLAY, None)
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


def select_findings(
    findings: list[Finding], source: bytes, settings: Settings, path: str, use_noqa: bool = True
) -> list[Finding]:
    kept = [finding for finding in findings if settings.code_enabled(finding.code, path)]
    if kept and use_noqa:
        text = source.decode("utf-8", errors="replace")
        if file_is_suppressed(text):
            return []
        lines = noqa_lines(text)
        kept = [finding for finding in kept if not is_suppressed(finding.code, lines.get(finding.line))]
    return kept
