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


def add_noqa(source: bytes, codes_by_line: dict[int, set[str]]) -> tuple[bytes, int]:
    """``source`` with ``# noqa: CODES`` where flake8 looks for it for each line's findings (ruff's
    ``--add-noqa``): at the end of the line's token group, so a finding inside a multi-line string
    gets its comment after the string's last line; codes are merged into an existing ``# noqa:``
    comment there, else a comment is appended. Encoding and line endings are kept. Returns the new
    source and how many lines got a comment or more codes. A group in which flake8 would read
    another noqa first (one inside a string) is left alone."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    text = source.decode(encoding)
    lines = io.StringIO(text, newline="").readlines()
    ends, groups = _token_groups(text)
    wanted: dict[int, set[str]] = {}
    for line, codes in codes_by_line.items():
        wanted.setdefault(ends.get(line, line), set()).update(codes)
    changed = 0
    for end, codes in sorted(wanted.items()):
        if not 1 <= end <= len(lines):
            continue
        first, comment = groups.get(end, (end, None))
        old = lines[end - 1]
        body = old.rstrip("\r\n")
        ending = old[len(body) :]
        before = "".join(lines[first - 1 : end - 1])
        match = NOQA_INLINE.search(before + body)
        if match is None:
            body = f"{body.rstrip()}  # noqa: {', '.join(sorted(codes))}"
        elif comment is None or match.start() < len(before) + comment:
            continue  # flake8 reads a noqa that is not a comment of this line's (one inside a string)
        elif match.group("codes") is None:
            continue  # a blanket noqa already hides everything
        else:
            match = NOQA_INLINE.search(body, comment)
            listed = match.group("codes").rstrip(", \t")
            added = sorted(code for code in codes if not is_suppressed(code, match.group(0)))
            if not added:
                continue
            start = match.start("codes")
            body = body[:start] + ", ".join([*_CODE.findall(listed), *added]) + body[start + len(listed) :]
        lines[end - 1] = body + ending
        changed += 1
    return "".join(lines).encode(encoding), changed


def _token_groups(text: str) -> tuple[dict[int, int], dict[int, tuple[int, int | None]]]:
    """Where comments go. For each line, the line that ends its token group (a group ends at a
    newline token; a multi-line string or a backslash continuation joins lines into one); for each
    such end line, the group's first line and the column of its comment, if it has one."""
    ends: dict[int, int] = {}
    groups: dict[int, tuple[int, int | None]] = {}
    first = previous = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
            if token.type in (tokenize.ENDMARKER, tokenize.DEDENT, tokenize.INDENT):
                continue
            if first is None:
                first = token.start[0]
            if token.type in (tokenize.NL, tokenize.NEWLINE):
                end = token.start[0]
                ends.update(dict.fromkeys(range(first, end + 1), end))
                has_comment = previous is not None and previous.type == tokenize.COMMENT and previous.start[0] == end
                groups[end] = (first, previous.start[1] if has_comment else None)
                first = None
            previous = token
    except (tokenize.TokenError, SyntaxError):
        pass  # the lines not reached take their comment on themselves
    return ends, groups
