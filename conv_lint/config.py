"""Settings: which codes are on, which files are looked at. Read from ``[tool.conv-lint]``.

Code selection follows flake8: the longest matching prefix among select and ignore wins.
Opt-in codes (``CNV9xx``) need a select more precise than ``CNV`` itself, as flake8-bugbear
does for its B9 warnings, so ``--select CNV`` means the same in ``conv-lint check`` and in
``flake8 --select CNV``.

``frameworks`` names the frameworks a team ports between: messages compare with those only, and
the port notes about another framework (``Rule.port_targets``) are off unless selected by their
full code, in ``check`` and in the flake8 plugin alike (``off_for_frameworks``).
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from conv_lint.catalog import TARGET_ALIASES, TARGET_FRAMEWORKS
from conv_lint.rules import INTERNAL_ERROR, OPT_IN_PREFIX, PREFIX, RULES_BY_CODE

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".eggs",
    "__pycache__",
    "build",
    "dist",
    "site-packages",
    "node_modules",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".conv-lint-cache",
)
_CODE_PREFIX = re.compile(r"^[A-Z]{1,3}[0-9]{0,3}$")
# Every code a select or ignore can name; a prefix must reach one of them.
_KNOWN_CODES = (*RULES_BY_CODE, INTERNAL_ERROR)
TABLE = "conv-lint"
# Tables that look like ours but are not read: a typo would otherwise switch the configuration off unseen.
_MISSPELT_TABLES = ("conv_lint", "convlint", "conv-linter")


class ConfigError(Exception):
    """A setting that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = (PREFIX,)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    respect_gitignore: bool = True
    # Exclusions apply to files named on the command line too (pre-commit names every staged file).
    force_exclude: bool = False
    # The target frameworks, canonical names in the order given; () means all of them.
    frameworks: tuple[str, ...] = ()
    root: Path = field(default_factory=Path.cwd)
    source: Path | None = None

    def code_enabled(self, code: str, path: str | None = None) -> bool:
        selected = _longest_prefix(code, self.select + self.extend_select)
        if selected < 0 or (code.startswith(OPT_IN_PREFIX) and selected <= len(PREFIX)):
            return False
        if off_for_frameworks(code, self.frameworks, self.select + self.extend_select):
            return False
        ignored = _longest_prefix(code, self.ignore + self._file_ignores(path))
        return selected > ignored

    def _file_ignores(self, path: str | None) -> tuple[str, ...]:
        if path is None or not self.per_file_ignores:
            return ()
        relative = self._relative(path)
        codes: list[str] = []
        for pattern, pattern_codes in self.per_file_ignores:
            if _glob(pattern).match(relative.name) or _glob(pattern).match(relative.as_posix()):
                codes.extend(pattern_codes)
        return tuple(codes)

    @functools.cached_property
    def _exclude_pattern(self) -> re.Pattern[str]:
        patterns = self.exclude + self.extend_exclude
        return re.compile("|".join(_glob(pattern).pattern for pattern in patterns) or "(?!)")

    def excluded(self, path: Path, parents_checked: bool = False) -> bool:
        """Whether a pattern matches the path's name, the path (relative to the configuration's
        folder), or one of its parent folders (skipped when the walk already checked them)."""
        relative = self._relative(path)
        pattern = self._exclude_pattern
        if pattern.match(relative.name) or pattern.match(relative.as_posix()):
            return True
        return not parents_checked and any(pattern.match(part) for part in relative.parts[:-1])

    @functools.cached_property
    def _root(self) -> str:
        return os.path.abspath(self.root)

    def _relative(self, path: Path | str) -> PurePath:
        relative = os.path.relpath(os.path.abspath(path), self._root)
        return PurePath(path) if relative.startswith("..") else PurePath(relative)


def off_for_frameworks(code: str, frameworks: tuple[str, ...], selected: tuple[str, ...]) -> bool:
    """Whether ``code`` is a port note about frameworks the team does not port to (CNV103, about
    PyTorch, with ``frameworks = ["tensorflow", "jax"]``). Selecting its full code turns it back on."""
    rule = RULES_BY_CODE.get(code)
    return rule is not None and not rule.applies_to(frameworks) and code not in selected


def _longest_prefix(code: str, prefixes: tuple[str, ...]) -> int:
    return max((len(prefix) for prefix in prefixes if code.startswith(prefix)), default=-1)


@functools.lru_cache(maxsize=None)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern.rstrip("/")))


def find_config(start: Path) -> Path | None:
    """The closest pyproject.toml at or above ``start`` that has a ``[tool.conv-lint]`` table."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _read_table(candidate) is not None:
            return candidate
    return None


def _read_table(path: Path) -> dict | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        return None
    if TABLE not in tool:
        misspelt = next((name for name in _MISSPELT_TABLES if name in tool), None)
        if misspelt is not None:
            raise ConfigError(f"{path}: [tool.{misspelt}] is not read: the table is [tool.{TABLE}]")
    return tool.get(TABLE)


def _codes(path: Path, key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    return parse_codes(_strings(path, key, value, "code prefixes"), f"{path}: [tool.{TABLE}] {key}")


def _strings(path: Path, key: str, value: object, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{path}: [tool.{TABLE}] {key} must be a list of {what}")
    return value


def words(values: list[str] | tuple[str, ...]) -> list[str]:
    """The items of comma- or space-separated lists, as flake8 splits them."""
    return [word for value in values for word in re.split(r"[,\s]+", value.strip()) if word]


def parse_codes(values: list[str] | tuple[str, ...], where: str) -> tuple[str, ...]:
    codes = []
    for code in words(values):
        if not _CODE_PREFIX.match(code):
            raise ConfigError(f"{where}: {code!r} is not a code or code prefix (like CNV or CNV001)")
        if not any(known.startswith(code) for known in _KNOWN_CODES):
            raise ConfigError(f"{where}: unknown code or prefix {code!r}: no rule's code starts with it (`conv-lint rules` lists them)")
        codes.append(code)
    return tuple(codes)


FRAMEWORK_NAMES = (*TARGET_FRAMEWORKS, *TARGET_ALIASES)


def parse_frameworks(values: list[str] | tuple[str, ...], where: str) -> tuple[str, ...]:
    """Target framework names, canonical (``keras`` → ``tensorflow``), each once, in the order given."""
    names: list[str] = []
    for word in words(values):
        name = TARGET_ALIASES.get(word.lower(), word.lower())
        if name not in TARGET_FRAMEWORKS:
            raise ConfigError(f"{where}: unknown framework {word!r} (known: {', '.join(FRAMEWORK_NAMES)})")
        if name not in names:
            names.append(name)
    return tuple(names)


def _patterns(path: Path, key: str, value: object) -> tuple[str, ...]:
    return tuple(_strings(path, key, value, "glob patterns"))


def load(config: Path | None = None, start: Path | None = None) -> Settings:
    """Settings from ``config`` (or the closest pyproject.toml with our table), else defaults."""
    start = start or Path.cwd()
    path = config if config is not None else find_config(start)
    if path is None:
        return Settings(root=start)
    table = _read_table(path)
    if table is None:
        if config is not None:
            raise ConfigError(f"{path}: no [tool.{TABLE}] table")
        return Settings(root=start)
    settings = Settings(root=path.parent, source=path)
    known = {
        "select": lambda v: {"select": _codes(path, "select", v)},
        "extend-select": lambda v: {"extend_select": _codes(path, "extend-select", v)},
        "ignore": lambda v: {"ignore": _codes(path, "ignore", v)},
        "exclude": lambda v: {"exclude": _patterns(path, "exclude", v)},
        "extend-exclude": lambda v: {"extend_exclude": _patterns(path, "extend-exclude", v)},
        "per-file-ignores": lambda v: {"per_file_ignores": _per_file(path, v)},
        "respect-gitignore": lambda v: {"respect_gitignore": _flag(path, "respect-gitignore", v)},
        "force-exclude": lambda v: {"force_exclude": _flag(path, "force-exclude", v)},
        "frameworks": lambda v: {"frameworks": _frameworks(path, v)},
    }
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{path}: [tool.{TABLE}] unknown key {key!r} (known: {', '.join(known)})")
        settings = replace(settings, **known[key](value))
    return settings


def _frameworks(path: Path, value: object) -> tuple[str, ...]:
    return parse_frameworks(_strings(path, "frameworks", value, "framework names"), f"{path}: [tool.{TABLE}] frameworks")


def _flag(path: Path, key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: [tool.{TABLE}] {key} must be true or false")
    return value


def _per_file(path: Path, value: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [tool.{TABLE}] per-file-ignores must be a table of glob = [codes]")
    return tuple((pattern, _codes(path, f"per-file-ignores.{pattern!r}", codes)) for pattern, codes in value.items())
