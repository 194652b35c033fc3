"""Results cached per file content, like ruff's cache.

An entry is keyed by the SHA-256 of the file's bytes and the target frameworks, the one setting
the analysis reads (its messages compare with those frameworks); the whole cache belongs to one
build of the analyzer (version, entry format, plus the size and mtime of conv-lint's own source
files), so editing any of them invalidates it. An entry keeps each finding's JSON fields and its
facts (``conv_lint.rules.facts``). Entries hold what the analyzer found before select/ignore/noqa
are applied, so one entry serves every configuration with the same frameworks, and switching
frameworks back and forth keeps both entries.

The cache is one JSON file per analyzer build, read once and written once per run (thousands
of small files cost more to create than the analysis they save). It is written to a temporary
file and renamed into place, merged with what another run may have written meanwhile, so
concurrent runs never see half a cache; a cache that cannot be read or decoded is ignored.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path

from conv_lint import __version__
from conv_lint.analyzer import Finding, SourceError
from conv_lint.rules import facts

FOLDER_NAME = ".conv-lint-cache"
# What an entry holds. Bump it when a cached finding gains or changes a field: the source files'
# sizes and times usually change with it too, but not in a build with fixed timestamps
# (SOURCE_DATE_EPOCH), and an old entry read as new would drop the field silently. 2: facts.
ENTRY_FORMAT = 2
_PACKAGE = Path(__file__).resolve().parent

Result = list[Finding] | SourceError


@functools.lru_cache(maxsize=None)
def analyzer_fingerprint() -> str:
    # Every module of the package, subpackages too: the rules and the catalog are packages.
    parts = [__version__, f"entries:{ENTRY_FORMAT}"]
    for source in sorted(_PACKAGE.rglob("*.py")):
        status = source.stat()
        parts.append(f"{source.relative_to(_PACKAGE).as_posix()}:{status.st_size}:{status.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def entry_key(data: bytes, frameworks: tuple[str, ...] = ()) -> str:
    """The key of a file's entry: its content, and the frameworks its messages were tailored to."""
    digest = hashlib.sha256(data).hexdigest()
    # Without frameworks the key is the bare digest, as before the setting existed.
    return f"{digest}:{','.join(frameworks)}" if frameworks else digest


def cache_folder(root: Path, cache_dir: str | None = None) -> Path:
    """conv-lint's cache folder, shared by every command: ``--cache-dir``, else ``.conv-lint-cache``
    in ``root`` (the folder of the configuration)."""
    return Path(cache_dir) if cache_dir else root / FOLDER_NAME


def make_folder(folder: Path) -> None:
    """Create conv-lint's cache folder (for check's results and verify's compiled programs),
    which ignores itself in git. Raises OSError when it cannot be made."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by conv-lint.\n*\n")


def read_entries(file: Path) -> dict[str, dict]:
    """A cache file's entries; {} when it is missing, unreadable or not a JSON object (a corrupt
    cache is ignored, never an error)."""
    try:
        entries = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


def write_entries(file: Path, entries: dict) -> None:
    """Replace ``file`` with ``entries`` atomically: written to a temporary file in the same
    folder and renamed into place, so a concurrent reader sees the old file or the new one,
    never half of one. Raises OSError (the caller decides what a failed write costs)."""
    descriptor, temporary = tempfile.mkstemp(dir=file.parent, suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(entries, handle, separators=(",", ":"))
        os.replace(temporary, file)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Cache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file = folder / f"{analyzer_fingerprint()}.json"
        self.entries = read_entries(self.file)
        self.added: dict[str, dict] = {}


    def get(self, key: str, path: str) -> Result | None:
        """The cached result for this content (findings, or the error it raised), or None."""
        record = self.entries.get(key)
        try:
            if record is None:
                return None
            if "error" in record:
                error = record["error"]
                return SourceError(error["reason"], error["line"], error["column"])
            return [Finding(path=path, **{**finding, "facts": facts.decode(finding.get("facts"))}) for finding in record["findings"]]
        except (KeyError, TypeError, AttributeError):  # an entry this build did not write
            return None

    def put(self, key: str, result: Result) -> None:
        if isinstance(result, SourceError):
            record = {"error": {"reason": result.reason, "line": result.line, "column": result.column}}
        else:
            record = {"findings": [{**{k: v for k, v in f.as_dict().items() if k != "path"}, "facts": facts.encode(f.facts)}
                                   for f in result]}
        self.entries[key] = self.added[key] = record

    def save(self) -> None:
        if not self.added:
            return
        try:
            make_folder(self.folder)
            for stale in self.folder.glob("*.json"):
                if stale != self.file:
                    stale.unlink(missing_ok=True)
            write_entries(self.file, {**read_entries(self.file), **self.added})
        except OSError:
            pass  # a read-only or full disk costs speed, never a result
