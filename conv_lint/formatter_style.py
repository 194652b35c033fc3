"""The layout a formatter would give a file: ruff's or black's ``line-length`` and ``indent-width``
from the closest configuration (ruff's own lookup), else black's defaults. ``fix`` lays out the
keywords it writes to fit them (``conv_lint.call_edit``)."""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_LINE_LENGTH = 88
DEFAULT_INDENT_WIDTH = 4


@dataclass(frozen=True)
class Style:
    """How long a line may be, and how wide a tab counts."""

    line_length: int = DEFAULT_LINE_LENGTH
    tab_width: int = DEFAULT_INDENT_WIDTH


def formatter_style(path: Path) -> Style:
    """The formatter's settings for ``path``: from the closest ruff.toml, .ruff.toml, or pyproject.toml
    with a ``[tool.ruff]`` or ``[tool.black]`` table (ruff's own lookup), else black's defaults."""
    return _style_of_folder(path.resolve().parent)


@functools.lru_cache(maxsize=None)
def _style_of_folder(folder: Path) -> Style:
    for candidate in (folder / "ruff.toml", folder / ".ruff.toml", folder / "pyproject.toml"):
        table = _formatter_table(candidate)
        if table is not None:
            line_length = table.get("line-length", DEFAULT_LINE_LENGTH)
            indent_width = table.get("indent-width", DEFAULT_INDENT_WIDTH)
            valid = all(isinstance(value, int) and not isinstance(value, bool) and value > 0 for value in (line_length, indent_width))
            return Style(line_length, indent_width) if valid else Style()
    return Style() if folder.parent == folder else _style_of_folder(folder.parent)


def _formatter_table(path: Path) -> dict | None:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    if path.name != "pyproject.toml":
        return data
    tool = data.get("tool", {})
    for name in ("ruff", "black"):
        if isinstance(tool.get(name), dict):
            return tool[name]
    return None
