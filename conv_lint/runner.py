"""What ``check`` and ``fix`` share: finding the files, reading them, and choosing which
findings to show (select/ignore, per-file ignores and ``# noqa``, exactly as flake8 does);
and ``check`` itself, over many files, in parallel and through the cache."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from conv_lint.analyzer import Finding, SourceError, analyze
from conv_lint.cache import Cache, Result, entry_key
from conv_lint.config import Settings
from conv_lint.noqa import file_is_suppressed, is_suppressed, noqa_lines
from conv_lint.rules import INTERNAL_ERROR

STDIN = "-"
STDIN_DISPLAY = "stdin"  # flake8's name for it, so both print the same lines


@dataclass(frozen=True)
class SourceFile:
    display: str
    path: Path | None  # None for stdin

    def read(self) -> bytes:
        if self.path is None:
            return _stdin()
        return self.path.read_bytes()


@functools.cache
def _stdin() -> bytes:
    # Read once: a second reader (the fixes that SARIF carries) gets the same bytes.
    return sys.stdin.buffer.read()


def discover(
    paths: Iterable[str], settings: Settings, errors: list[str], stdin_name: str | None = None
) -> Iterator[SourceFile]:
    """Python files under ``paths`` in a stable order. Files named explicitly are always checked,
    unless ``force_exclude`` is set and an exclusion matches them (as ruff's ``force-exclude``)."""
    for raw in paths:
        if raw == STDIN:
            if not stdin_excluded(settings, stdin_name):
                yield SourceFile(stdin_name or STDIN_DISPLAY, None)
            continue
        path = Path(raw)
        if settings.force_exclude and settings.excluded(path):
            continue
        if path.is_dir():
            yield from _walk(path, settings)
        elif path.exists() or path.is_symlink():
            yield SourceFile(raw, path)
        else:
            errors.append(f"{raw}: no such file or directory")


def stdin_excluded(settings: Settings, stdin_name: str | None) -> bool:
    """Whether ``force_exclude`` excludes the path ``--stdin-filename`` gives stdin: an editor or
    pre-commit passes every buffer, so, as with ruff, the configured exclusions still apply to it."""
    return settings.force_exclude and stdin_name is not None and settings.excluded(Path(stdin_name))


def _walk(top: Path, settings: Settings) -> Iterator[SourceFile]:
    found = []
    for folder, dirnames, filenames in os.walk(top):
        folder_path = Path(folder)
        dirnames[:] = sorted(d for d in dirnames if not settings.excluded(folder_path / d, parents_checked=True))
        for name in sorted(filenames):
            file_path = folder_path / name
            if name.endswith((".py", ".pyi")) and not settings.excluded(file_path, parents_checked=True):
                found.append(file_path)
    ignored = _git_ignored(top, found) if settings.respect_gitignore else set()
    for file_path in found:
        if str(file_path) not in ignored:
            yield SourceFile(str(file_path), file_path)


def _git_ignored(top: Path, paths: list[Path]) -> set[str]:
    """The paths git ignores (.gitignore, .git/info/exclude, the global excludes file), asked
    of git itself in one call; nothing outside a git work tree or without git. A folder the
    user named that git itself ignores (a virtualenv, a downloaded corpus) is checked whole:
    naming it is asking for it."""
    if not paths:
        return set()
    try:
        answer = subprocess.run(
            ["git", "-C", str(top), "check-ignore", "-z", "--stdin"],
            input=b"\0".join(os.fsencode(os.path.relpath(p, top)) for p in [top, *paths]),
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    if answer.returncode not in (0, 1):  # 128: not a git work tree
        return set()
    ignored = {os.fsdecode(name) for name in answer.stdout.split(b"\0") if name}
    if "." in ignored:
        return set()
    return {str(top / name) for name in ignored}


def select_findings(
    findings: list[Finding], source: bytes, settings: Settings, path: str, use_noqa: bool = True
) -> list[Finding]:
    kept = [finding for finding in findings if settings.code_enabled(finding.code, path)]
    # Most files have no noqa comment at all: then there is nothing to tokenize.
    if kept and use_noqa and b"noqa" in source.lower():
        text = source.decode("utf-8", errors="replace")
        if file_is_suppressed(text):
            return []
        lines = noqa_lines(text)
        kept = [finding for finding in kept if not is_suppressed(finding.code, lines.get(finding.line))]
    return kept


def split_internal_errors(findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
    """CNV999 (a bug in conv-lint), reported whatever is selected or marked noqa, and the rest."""
    internal, others = [], []
    for finding in findings:
        (internal if finding.code == INTERNAL_ERROR else others).append(finding)
    return internal, others


class FileError(str):
    """Why a file could not be checked, as the one line printed (``path[:line:col]: reason``),
    with its parts kept for the formats that place it (GitHub annotations)."""

    path: str
    reason: str
    line: int | None
    column: int | None

    def __new__(cls, path: str, reason: str, line: int | None = None, column: int | None = None) -> FileError:
        where = path if line is None else f"{path}:{line}:{column}"
        error = super().__new__(cls, f"{where}: {reason}")
        error.path, error.reason, error.line, error.column = path, reason, line, column
        return error


@dataclass(frozen=True)
class CheckOptions:
    use_noqa: bool = True
    cache_folder: Path | None = None  # None: no cache
    jobs: int = 1


@dataclass(frozen=True)
class FileResult:
    findings: tuple[Finding, ...] = ()
    # Why the file, or part of it, could not be checked: one line each.
    errors: tuple[str, ...] = ()


# Below this many files to analyze, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 64


def analyze_file(display: str, data: bytes, frameworks: tuple[str, ...] = ()) -> Result:
    """Everything the analyzer finds in one file, or the reason it could not; picklable."""
    try:
        # Nodes stay behind: results cross process boundaries and go into the cache.
        return [replace(f, call=None, spec=None) for f in analyze(data, display, frameworks=frameworks)]
    except SourceError as error:
        return error
    except RecursionError:
        return SourceError("cannot parse: too deeply nested")


def check_files(sources: list[SourceFile], settings: Settings, options: CheckOptions) -> list[FileResult]:
    """Check files (in parallel when it pays, through the cache); results in the order of ``sources``."""
    cache = Cache(options.cache_folder) if options.cache_folder else None
    contents: list[bytes | None] = []
    raw: dict[int, Result] = {}
    read_errors: dict[int, str] = {}
    for index, source in enumerate(sources):
        try:
            contents.append(source.read())
        except OSError as error:
            contents.append(None)
            read_errors[index] = FileError(source.display, f"cannot read: {error.strerror or error}")
    keys = {i: entry_key(data, settings.frameworks) for i, data in enumerate(contents) if data is not None and cache}
    for index, key in keys.items():
        cached = cache.get(key, sources[index].display)
        if cached is not None:
            raw[index] = cached
    misses = [i for i, data in enumerate(contents) if data is not None and i not in raw]
    displays = [sources[i].display for i in misses]
    datas = [contents[i] for i in misses]
    frameworks = [settings.frameworks] * len(misses)
    if options.jobs > 1 and len(misses) >= PARALLEL_THRESHOLD:
        with ProcessPoolExecutor(max_workers=options.jobs) as pool:
            chunksize = max(1, len(misses) // (options.jobs * 4))
            analyzed = list(pool.map(analyze_file, displays, datas, frameworks, chunksize=chunksize))
    else:
        analyzed = list(map(analyze_file, displays, datas, frameworks))
    for index, result in zip(misses, analyzed):
        raw[index] = result
        if cache:
            cache.put(keys[index], result)
    if cache:
        cache.save()
    return [
        FileResult(errors=(read_errors[i],)) if i in read_errors else _select(raw[i], contents[i], sources[i], settings, options)
        for i in range(len(sources))
    ]


def _select(result: Result, data: bytes, source: SourceFile, settings: Settings, options: CheckOptions) -> FileResult:
    if isinstance(result, SourceError):
        return FileResult(errors=(FileError(source.display, result.reason, result.line, result.column),))
    internal, findings = split_internal_errors(result)  # a bug in conv-lint also fails the run
    errors = tuple(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}" for f in internal)
    return FileResult(tuple(select_findings(findings, data, settings, source.display, options.use_noqa)), errors)
