"""Keyword arguments written into a call's source text, laid out as black and ruff lay them out.

``fix`` edits the text itself, at the positions Python's ``ast`` gives, so everything it does not
touch stays byte for byte (comments, line endings, encoding). What it adds follows the call's own
style, so formatted code stays formatted (``ruff format --check``, ``black --check``):

- a call with one argument per line gets one more line per keyword, at its siblings' indentation,
  with a trailing comma; the closing bracket keeps its line;
- a call whose arguments share one indented line (``f(\\n    a, b\\n)``) keeps them there while
  they fit, else gets one argument per line with a trailing comma;
- a call on one line stays on one line while it fits; a line the insertion pushes past the line
  length is split the way black splits it: at the last bracket whose opening line fits (so
  ``Conv2D(...)(x)`` keeps ``(x)`` on the closing line), its arguments on one indented line if they
  fit there, else one per line with a magic trailing comma;
- any other layout (arguments aligned with the opening bracket) gets the keywords after its last
  argument, on the same line.

The line length is ruff's or black's ``line-length`` from the closest configuration (88 without
one); a tab counts as ``indent-width`` columns, as ruff counts it.
"""

from __future__ import annotations

import ast
import functools
import io
import re
import sys
import tokenize
import unicodedata
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_LINE_LENGTH = 88
DEFAULT_INDENT_WIDTH = 4
OPENING, CLOSING = "([{", ")]}"


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


def width(text: str, tab_width: int = DEFAULT_INDENT_WIDTH) -> int:
    """Columns ``text`` takes, as ruff counts them (wide characters 2, a tab up to the next stop)."""
    if text.isascii() and "\t" not in text:
        return len(text)
    columns = 0
    for character in text:
        if character == "\t":
            columns += tab_width - columns % tab_width
        else:
            columns += 2 if unicodedata.east_asian_width(character) in "WF" else 1
    return columns


# A one-line lexer: enough to find brackets, commas and comments outside strings.
_TOKEN = re.compile(
    r"""(?P<string>[rRbBuUfF]{0,2}(?:'''|\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"))"""
    r"|(?P<comment>\#.*)"
    r"|(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<comma>,)"
    r"|(?P<word>[A-Za-z_][A-Za-z_0-9]*|\.\d[\w.]*|\d[\w.]*)"
    r"|(?P<operator>[-+*/%@<>=!&|^~:;.]+)"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)"
)
_LOGICAL = {"and", "or", "not", "in", "is", "if", "else", "lambda"}


@dataclass(frozen=True)
class _Token:
    kind: str
    start: int
    end: int
    depth: int  # brackets open before it (a closing bracket counts its own)
    text: str


def _lex(text: str) -> list[_Token] | None:
    """The tokens of one line, or None when its brackets do not balance or a string does not end there."""
    tokens = []
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        value = match.group()
        if kind == "string" and value.lstrip("rRbBuUfF")[:3] in ("'''", '"""'):
            return None  # a string that may span lines
        if kind == "other" and value in "'\"\\":
            return None  # an unterminated string or a backslash continuation
        if kind == "close":
            depth -= 1
            if depth < 0:
                return None
        if kind != "space":
            tokens.append(_Token(kind, match.start(), match.end(), depth, value))
        if kind == "open":
            depth += 1
    return tokens if depth == 0 else None


class Layout:
    """Lays out the lines of one file that ``fix`` writes into."""

    def __init__(self, style: Style, unit: str) -> None:
        self.style = style
        self.unit = unit  # one level of indentation in this file

    def fits(self, line: str) -> bool:
        return width(line, self.style.tab_width) <= self.style.line_length

    def line(self, segment: str, indent: str, inside_brackets: bool) -> list[str] | None:
        """``segment`` (one logical line's code, no comment) at ``indent`` as black writes it;
        None when it is a case this layout does not know (then the caller keeps the long line)."""
        if self.fits(indent + segment):
            return [indent + segment]
        tokens = _lex(segment)
        if tokens is None:
            return None
        if inside_brackets:
            split = _split(segment.removesuffix(","), tokens)
            if split is None:
                return None
            elements, at_commas = split
            if len(elements) > 1:
                if not at_commas and segment.endswith(","):
                    elements[-1] += ","
                return self._one_per_line(elements, indent, at_commas)
        elif any(token.kind == "comma" and token.depth == 0 for token in tokens):
            return None  # a bare tuple: black adds parentheses
        if _has_operators(tokens):
            return None  # black splits at operators (with parentheses): not written here
        return self._right_hand_split(segment, tokens, indent)

    def _right_hand_split(self, segment: str, tokens: list[_Token], indent: str) -> list[str] | None:
        """Split at the last bracket pair whose opening line fits, trying trailing ones first (black's rhs)."""
        pairs = _outer_pairs(tokens)
        chosen = None
        for opening, closing in reversed(pairs):
            if not segment[opening.end : closing.start].strip():
                continue  # `()` is not split
            if chosen is not None and not self.fits(indent + segment[closing.start :]):
                break
            if chosen is None:
                chosen = (opening, closing)  # the last pair: black's split when no other fits
            if self.fits(indent + segment[: opening.end]):
                chosen = (opening, closing)
                break
        if chosen is None:
            return None
        opening, closing = chosen
        body = self.body(segment[opening.end : closing.start].strip(), indent + self.unit)
        if body is None:
            return None
        return [indent + segment[: opening.end], *body, indent + segment[closing.start :]]

    def body(self, body: str, indent: str) -> list[str] | None:
        """The inside of a split bracket: on one line if it fits (and ends with no comma), else one
        element per line, each with a trailing comma (black's magic trailing comma)."""
        if not body.endswith(",") and self.fits(indent + body):
            return [indent + body]
        tokens = _lex(body)
        if tokens is None:
            return None
        split = _split(body, tokens)
        if split is None:
            return None
        elements, at_commas = split
        if len(elements) == 1 and not body.endswith(","):
            return self.line(body, indent, inside_brackets=True)
        return self._one_per_line(elements, indent, at_commas)

    def _one_per_line(self, elements: list[str], indent: str, at_commas: bool) -> list[str] | None:
        """One element per line; elements of a comma list each end with a comma."""
        lines = []
        for element in elements:
            laid_out = self.line(element if element.endswith(",") or not at_commas else element + ",", indent, True)
            if laid_out is None:
                return None
            lines.extend(laid_out)
        return lines


def _outer_pairs(tokens: list[_Token]) -> list[tuple[_Token, _Token]]:
    pairs, opening = [], None
    for token in tokens:
        if token.kind == "open" and token.depth == 0:
            opening = token
        elif token.kind == "close" and token.depth == 0 and opening is not None:
            pairs.append((opening, token))
            opening = None
    return pairs


def _split(text: str, tokens: list[_Token]) -> tuple[list[str], bool] | None:
    """The elements of a bracket's inside: at its commas, else at a comprehension's clauses or a
    conditional expression's parts; and whether it was at commas."""
    commas = [token for token in tokens if token.kind == "comma" and token.depth == 0]
    if commas:
        cuts = [comma.end for comma in commas]
    elif not any(token.depth == 0 and token.text == "for" for token in tokens):
        # A conditional expression: before its "if" and its "else".
        cuts = [token.start for token in tokens if token.depth == 0 and token.kind == "word" and token.text in ("if", "else")]
    else:
        clauses = []
        seen_for = False
        for index, token in enumerate(tokens):
            if token.depth or token.kind != "word":
                continue
            if token.text == "for" and not (index and tokens[index - 1].text == "async"):
                seen_for = True
                clauses.append(token.start)
            elif token.text == "async" and index + 1 < len(tokens) and tokens[index + 1].text == "for":
                seen_for = True
                clauses.append(token.start)
            elif token.text == "if" and seen_for:
                clauses.append(token.start)
        cuts = clauses
    elements, start = [], 0
    for cut in cuts:
        elements.append(text[start:cut].strip())
        start = cut
    elements.append(text[start:].strip())
    elements = [element for element in elements if element]
    return (elements, bool(commas)) if elements else None


_NEUTRAL = re.compile(r"^(?:\.|=|:|->|(?:[-+*/%@&|^]|//|\*\*|<<|>>)=)$")


def _has_operators(tokens: list[_Token]) -> bool:
    """Whether the line has an operator outside brackets (black would split there, not at a bracket)."""
    for index, token in enumerate(tokens):
        if token.depth:
            continue
        if token.kind == "word" and token.text in _LOGICAL:
            return True
        if token.kind != "operator" or _NEUTRAL.match(token.text):
            continue
        unpacking = token.text in ("*", "**") and (index == 0 or tokens[index - 1].kind in ("comma", "open"))
        if not unpacking:
            return True
    return False


def split_lines(text: str) -> list[str]:
    """Lines ending at \\n, \\r\\n or \\r only, as for Python's tokenizer and for editors (not at form
    feeds, as str.splitlines would); the endings stay as they are."""
    return io.StringIO(text, newline="").readlines()


def _ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def _indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def indent_unit(lines: list[str], style: Style) -> str:
    """One level of this file's indentation: that of its first indented block (a tokenizer's INDENT)."""
    readline = iter(lines).__next__
    try:
        for token in tokenize.generate_tokens(readline):
            if token.type == tokenize.INDENT:
                return token.string
    except (tokenize.TokenError, SyntaxError, StopIteration):
        pass
    return " " * style.tab_width


@dataclass(frozen=True)
class CallEdit:
    """What to write into one call: new values of arguments it passes, keywords to add."""

    node: ast.Call
    values: tuple[tuple[int, str], ...]  # (the argument's index as resolve.Argument counts it, new value)
    keywords: tuple[str, ...]  # "name=value"


def write_arguments(text: str, edits: list[CallEdit], style: Style) -> str:
    """``text`` with each call's arguments set and keywords added, laid out in the call's style."""
    lines = split_lines(text)
    layout = Layout(style, indent_unit(lines, style))
    edited_from: tuple[int, int] | None = None  # where the last edit starts: ast's positions after it are stale
    for edit in sorted(edits, key=lambda e: (e.node.lineno, e.node.col_offset), reverse=True):
        node = edit.node
        if edited_from is not None and (node.end_lineno, node.end_col_offset) >= edited_from:
            node = _call_at(lines, node)
        if edit.values:
            for index, source in sorted(edit.values, reverse=True):
                value = _argument_value(node, index)
                _replace(lines, _start(lines, value), _end(lines, value), source)
            node = _call_at(lines, node) if edit.keywords else node
        if edit.keywords:
            _append_keywords(lines, node, list(edit.keywords), layout)
        edited_from = (edit.node.lineno, edit.node.col_offset)
    return "".join(lines)


def _argument_value(node: ast.Call, index: int) -> ast.expr:
    if index < len(node.args):
        return node.args[index]
    return node.keywords[index - len(node.args)].value


def _arguments_of(node: ast.Call) -> list[ast.AST]:
    return [*node.args, *node.keywords]


def _call_at(lines: list[str], node: ast.Call) -> ast.Call:
    """The call starting where ``node`` started, in the text as edited so far."""
    tree = ast.parse("".join(lines))
    for candidate in ast.walk(tree):
        if (
            isinstance(candidate, ast.Call)
            and isinstance(candidate.func, (ast.Name, ast.Attribute))
            and (candidate.lineno, candidate.col_offset) == (node.lineno, node.col_offset)
        ):
            return candidate
    raise ValueError(f"lost the call at {node.lineno}:{node.col_offset}")


def _column(lines: list[str], lineno: int, byte_offset: int) -> int:
    line = lines[lineno - 1]
    if line.isascii():
        return byte_offset
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))


def _start(lines: list[str], node: ast.AST) -> tuple[int, int]:
    return node.lineno - 1, _column(lines, node.lineno, node.col_offset)


def _end(lines: list[str], node: ast.AST) -> tuple[int, int]:
    return node.end_lineno - 1, _column(lines, node.end_lineno, node.end_col_offset)


def _replace(lines: list[str], start: tuple[int, int], end: tuple[int, int], text: str) -> None:
    (first, start_column), (last, end_column) = start, end
    joined = lines[first][:start_column] + text + lines[last][end_column:]
    lines[first : last + 1] = split_lines(joined)


def _after(lines: list[str], position: tuple[int, int]) -> tuple[tuple[int, int], str | None]:
    """Skip spaces, line breaks, comments and closing parentheses from ``position``; where the
    scan stopped and the character there (None at the end of the text)."""
    line, column = position
    while line < len(lines):
        text = lines[line]
        while column < len(text):
            character = text[column]
            if character == "#":
                column = len(text)
                break
            if character in " \t\f\\\r\n":
                column += 1
                continue
            return (line, column), character
        line, column = line + 1, 0
    return (line, column), None


def _append_keywords(lines: list[str], node: ast.Call, keywords: list[str], layout: Layout) -> None:
    func_end = _end(lines, node.func)
    (open_line, open_column), character = _after(lines, func_end)
    if character != "(":
        raise ValueError("no opening parenthesis after the callee")
    close = (node.end_lineno - 1, _column(lines, node.end_lineno, node.end_col_offset) - 1)
    arguments = sorted(_arguments_of(node), key=lambda n: (n.lineno, n.col_offset))
    original = lines[open_line]
    if not arguments:
        _replace(lines, (open_line, open_column + 1), (open_line, open_column + 1), ", ".join(keywords))
        _split_if_pushed_past(lines, open_line, original, layout)
        return
    argument_end = _end(lines, arguments[-1])
    # Parentheses around the last argument end after its ast position.
    position, character = _after(lines, argument_end)
    while character == ")" and position < close:
        argument_end = (position[0], position[1] + 1)
        position, character = _after(lines, argument_end)
    comma = position if character == "," and position < close else None
    if open_line == close[0]:
        if comma:
            _replace(lines, (comma[0], comma[1] + 1), (comma[0], comma[1] + 1), " " + ", ".join(keywords) + ",")
        else:
            _replace(lines, argument_end, argument_end, ", " + ", ".join(keywords))
        _split_if_pushed_past(lines, open_line, original, layout)
        return
    opening_ends_line = _after(lines, (open_line, open_column + 1))[0][0] > open_line
    starts = [_start(lines, argument) for argument in arguments]
    last_line = (comma or argument_end)[0]
    if opening_ends_line and last_line < close[0] and not lines[starts[0][0]][: starts[0][1]].strip():
        each_on_its_line = all(not lines[line][:column].strip() for line, column in starts)
        if each_on_its_line and len({line for line, _ in starts}) == len(starts) and (comma or starts[0][0] != last_line):
            _add_lines(lines, comma, argument_end, _indentation(lines[starts[-1][0]]), keywords, layout)
            return
        if starts[0][0] == last_line:
            _widen_shared_line(lines, starts[0], comma or argument_end, bool(comma), keywords, layout)
            return
    # Another style (arguments aligned with the bracket): the keywords follow the last argument.
    if comma:
        _replace(lines, (comma[0], comma[1] + 1), (comma[0], comma[1] + 1), " " + ", ".join(keywords) + ",")
    else:
        _replace(lines, argument_end, argument_end, ", " + ", ".join(keywords))


def _add_lines(
    lines: list[str], comma: tuple[int, int] | None, argument_end: tuple[int, int], indent: str, keywords: list[str], layout: Layout
) -> None:
    """One argument per line: each keyword on a line of its own after the last, at its indentation."""
    if comma is None:
        _replace(lines, argument_end, argument_end, ",")
        comma = argument_end
    anchor = comma[0]
    ending = _ending(lines[anchor]) or "\n"
    new = []
    for keyword in keywords:
        new.extend(layout.line(keyword + ",", indent, True) or [indent + keyword + ","])
    lines[anchor + 1 : anchor + 1] = [line + ending for line in new]


def _widen_shared_line(
    lines: list[str], first: tuple[int, int], end: tuple[int, int], trailing_comma: bool, keywords: list[str], layout: Layout
) -> None:
    """``f(\\n    a, b\\n)``: the keywords join the shared line while it fits, else one argument per line."""
    line_number, start = first
    text = lines[line_number]
    indent = text[:start]
    body = text[start : end[1] + (1 if trailing_comma else 0)]
    rest = text[end[1] + (1 if trailing_comma else 0) :].rstrip("\r\n").strip()
    body = body.rstrip(",") + ", " + ", ".join(keywords) + ("," if trailing_comma else "")
    laid_out = layout.body(body, indent) or [indent + body]
    if rest:  # a comment after the arguments
        laid_out[-1] += "  " + rest
    ending = _ending(text) or "\n"
    lines[line_number : line_number + 1] = [line + ending for line in laid_out]


def _split_if_pushed_past(lines: list[str], line_number: int, original: str, layout: Layout) -> None:
    """A one-line call the keywords pushed past the line length is split as black splits its line."""
    text = lines[line_number]
    content = text.rstrip("\r\n")
    if layout.fits(content) or not layout.fits(original.rstrip("\r\n")):
        return  # still fits, or never did (this line is not formatted to that length)
    code, comment = _code_and_comment(content)
    indent = _indentation(code)
    previous = _previous_code(lines, line_number)
    if previous.endswith("\\"):
        return
    last = line_number
    if _lex(code) is None and not comment:
        # `x = Conv2D(...)(\n    x\n)`: black decides on the whole line again, the part after it included.
        last, code = _logical_line(lines, line_number)
        if last is None:
            return
        comment = ""
    laid_out = layout.line(code.strip(), indent, inside_brackets=previous.endswith(tuple("([{,")))
    if laid_out is None:
        return
    if comment:
        laid_out[-1] += "  " + comment
    ending = _ending(text) or "\n"
    lines[line_number : last + 1] = [line + ending for line in laid_out]


def _logical_line(lines: list[str], first: int) -> tuple[int | None, str]:
    """The line that ends where the brackets opened on ``lines[first]`` close, joined as black joins
    it before splitting it again; (None, "") when it has comments or does not close soon."""
    joined = lines[first].rstrip("\r\n")
    for number in range(first + 1, min(first + 200, len(lines))):
        piece = lines[number].strip()
        code, comment = _code_and_comment(piece)
        if comment or not code:
            return None, ""
        space = "" if joined.endswith(tuple(OPENING)) or code.startswith(tuple(CLOSING)) else " "
        joined += space + code
        if _lex(joined.strip()) is not None:
            return number, joined
    return None, ""


def _code_and_comment(line: str) -> tuple[str, str]:
    for match in _TOKEN.finditer(line):
        if match.lastgroup == "comment":
            return line[: match.start()].rstrip(), match.group()
    return line.rstrip(), ""


def _previous_code(lines: list[str], line_number: int) -> str:
    """The code of the closest line before ``line_number`` that has some (comments dropped)."""
    for line in reversed(lines[:line_number]):
        code, _ = _code_and_comment(line.rstrip("\r\n"))
        if code.strip():
            return code.rstrip()
    return ""
