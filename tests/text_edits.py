"""Apply text edits the way an editor or a SARIF viewer does, to check what they would write.

Written independently of conv_lint.fix on purpose: the tests compare its result with what
`conv-lint fix` writes, so it must not share the code under test."""

from __future__ import annotations

import io


def apply_edits(text: str, edits: list[tuple[int, int, int, int, str]], utf16: bool = False) -> str:
    """``text`` with each ``(start_line, start_column, end_line, end_column, new_text)`` made.

    Lines and columns count from 0, all against the original text; columns count code points,
    or UTF-16 code units (LSP's default) when ``utf16``. Edits must not overlap."""
    lines = io.StringIO(text, newline="").readlines()
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        if line >= len(lines):
            return len(text)
        if utf16:
            column = len(lines[line].encode("utf-16-le")[: 2 * column].decode("utf-16-le"))
        return starts[line] + column

    spans = sorted(((offset(a, b), offset(c, d), new) for a, b, c, d, new in edits), reverse=True)
    for begin, end, new in spans:
        text = text[:begin] + new + text[end:]
    return text
