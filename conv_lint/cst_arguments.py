"""Setting arguments on libcst calls in each call's own style: the fixer's one kind of edit.

A parameter the call passes (by keyword or position) gets its value replaced; the others are
appended as keywords, one per line if the call puts one per line, after a trailing comma and
its comment if it has them.
"""

from __future__ import annotations

import libcst as cst

from conv_lint.binding import ResolvedCall


class SetKeywords(cst.CSTTransformer):
    """Set arguments on calls, keeping each call's formatting and comments."""

    def __init__(self, by_node: dict[cst.Call, tuple[ResolvedCall, dict[str, str]]]) -> None:
        self.by_node = by_node

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if original not in self.by_node:
            return updated
        call, values = self.by_node[original]
        return set_arguments(updated, call, values)


def set_arguments(updated: cst.Call, call: ResolvedCall, values: dict[str, str]) -> cst.Call:
    """Replace the value of each parameter the call passes (by keyword or position); append the rest."""
    args = list(updated.args)
    pending = dict(values)
    for parameter in list(pending):
        passed = call.bound.arguments.get(parameter)
        if passed is None:
            continue
        args[passed.index] = args[passed.index].with_changes(value=cst.parse_expression(pending.pop(parameter)))
    if pending:
        new = [_keyword(name, source) for name, source in pending.items()]
        args = _append(args, new, updated.whitespace_before_args)
    return updated.with_changes(args=args)


def _keyword(name: str, source: str) -> cst.Arg:
    no_space = cst.SimpleWhitespace("")
    return cst.Arg(
        value=cst.parse_expression(source),
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
    )


def _append(args: list[cst.Arg], new: list[cst.Arg], opening: cst.BaseParenthesizableWhitespace) -> list[cst.Arg]:
    """Append arguments in the call's own style: one per line if it puts one per line."""
    inline = inline_comma()
    if not args:
        return [arg.with_changes(comma=inline) for arg in new[:-1]] + [new[-1]]
    last = args[-1]
    separator = args[-2].comma if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) else inline
    if isinstance(last.comma, cst.Comma):
        return args[:-1] + _after_trailing_comma(last, new, separator, opening)
    joined = [last.with_changes(comma=separator)]
    joined += [arg.with_changes(comma=separator) for arg in new[:-1]]
    joined.append(new[-1])
    return args[:-1] + joined


def _after_trailing_comma(
    last: cst.Arg, new: list[cst.Arg], separator: cst.Comma, opening: cst.BaseParenthesizableWhitespace
) -> list[cst.Arg]:
    """``f(\n    a,\n    b,  # note\n)``: new arguments go after ``b`` one per line, the comment
    stays on ``b``'s line, and the trailing comma and closing indentation move to the end."""
    trailing = last.comma
    after = trailing.whitespace_after
    if not isinstance(after, cst.ParenthesizedWhitespace):
        return [last] + [arg.with_changes(comma=inline_comma()) for arg in new[:-1]] + [new[-1].with_changes(comma=trailing)]
    # The arguments' indentation: after another argument's comma, or after the opening parenthesis.
    indent = after.last_line
    for whitespace in (opening, separator.whitespace_after):
        if isinstance(whitespace, cst.ParenthesizedWhitespace):
            indent = whitespace.last_line
    # `b,  # note` keeps its comment, then continues at the arguments' indentation.
    kept = trailing.with_changes(whitespace_after=after.with_changes(last_line=indent))
    plain = trailing.with_changes(
        whitespace_after=cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), last_line=indent)
    )
    closing = trailing.with_changes(
        whitespace_after=cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), last_line=after.last_line)
    )
    return [last.with_changes(comma=kept)] + [arg.with_changes(comma=plain) for arg in new[:-1]] + [
        new[-1].with_changes(comma=closing)
    ]


def inline_comma() -> cst.Comma:
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
