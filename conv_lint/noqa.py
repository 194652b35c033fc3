"""``# noqa`` comments, read exactly the way flake8 reads them.

flake8 searches the physical line of a finding for ``# noqa`` or ``# noqa: CODES``, except
that a token spanning several lines (a multi-line string) makes all of its lines one unit.
``conv-lint check`` must hide the same findings as ``flake8 --select CNV``, so this mirrors
``flake8.processor.FileProcessor._noqa_line_mapping`` and ``Violation.is_inline_ignored``.
"""

from __future__ import annotations

import io
import re
import tokenize

# Copied from flake8.defaults.NOQA_INLINE_REGEXP (flake8 7.x).
NOQA_INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
# flake8.defaults.NOQA_FILE: a line starting with `# flake8: noqa` silences the whole file.
NOQA_FILE = re.compile(r"\s*# flake8[:=]\s*noqa", re.IGNORECASE)


def file_is_suppressed(text: str) -> bool:
    return any(NOQA_FILE.match(line) for line in text.splitlines())


def noqa_lines(text: str) -> dict[int, str]:
    """Map each line number to the text flake8 would search for ``# noqa``."""
    lines = text.splitlines(keepends=True)
    mapping: dict[int, str] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return {number: line for number, line in enumerate(lines, start=1)}
    first, last = len(lines) + 2, -1
    for kind, _, (start_line, _), (end_line, _), _ in tokens:
        if kind in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        first, last = min(first, start_line), max(last, end_line)
        if kind in (tokenize.NL, tokenize.NEWLINE):
            joined = "".join(lines[first - 1 : last])
            mapping.update(dict.fromkeys(range(first, last + 1), joined))
            first, last = len(lines) + 2, -1
    return mapping


def is_suppressed(code: str, line_text: str | None) -> bool:
    if not line_text:
        return False
    match = NOQA_INLINE.search(line_text)
    if match is None:
        return False
    codes_text = match.group("codes")
    if codes_text is None:
        return True  # a blanket `# noqa`
    codes = tuple(_CODE.findall(codes_text))
    return code in codes or code.startswith(codes)
