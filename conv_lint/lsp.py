"""``conv-lint lsp``: a language server (pygls, over stdin/stdout).

Thin glue, as TorchFix's flake8 plugin is: the findings are ``check``'s (the editor's unsaved
text, the ``[tool.conv-lint]`` settings found from the file's folder, ``# noqa``), the quick
fixes are ``fix``'s (``conv_lint.fix.finding_fixes``: each safe fix alone), the "disable for this
line" action is ``check --add-noqa``'s comment, "fix all" is ``fix_source`` on the whole buffer (so
an editor writes exactly what ``conv-lint fix`` would), and hover shows ``conv-lint explain``.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from conv_lint import __version__
from conv_lint.analyzer import Finding, SourceError, analyze
from conv_lint.config import ConfigError, Settings, load
from conv_lint.fix import FindingFix, TextEdit, decode_source, finding_fixes, fix_source, text_edits
from conv_lint.noqa import add_noqa
from conv_lint.rules import INTERNAL_ERROR, RULES_BY_CODE
from conv_lint.runner import select_findings, split_internal_errors

SOURCE = "conv-lint"
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"
FIX_ALL_TITLE = "Fix all conv-lint findings in file"
# A finding points at the start of a call or an argument; its range covers the dotted name there.
_DOTTED_NAME = re.compile(r"[\w.]+")

server = LanguageServer(SOURCE, __version__)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    publish(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    publish(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: LanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    publish(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: LanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


def publish(ls: LanguageServer, uri: str) -> None:
    document = ls.workspace.get_text_document(uri)
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, version=document.version, diagnostics=diagnostics(document))
    )


def diagnostics(document: TextDocument) -> list[types.Diagnostic]:
    """What ``conv-lint check`` reports on the editor's text. Text that does not parse (yet:
    the user is typing) gets one diagnostic saying so, and the server goes on serving."""
    try:
        settings = _settings(document)
    except ConfigError as error:
        return [_notice(document, 1, 1, str(error), types.DiagnosticSeverity.Error)]
    if _excluded(document, settings):
        return []
    try:
        found = _findings(document.source, document.path, settings)
    except SourceError as error:
        return [_notice(document, error.line, error.column, f"{error.reason}; not checked", types.DiagnosticSeverity.Information)]
    return [_diagnostic(document, finding) for finding in found]


@functools.lru_cache(maxsize=16)
def _findings(text: str, path: str, settings: Settings) -> tuple[Finding, ...]:
    """``check``'s findings on this text: internal errors whatever is selected, then the selected ones."""
    data = _encode(text)
    internal, others = split_internal_errors(analyze(data, path, frameworks=settings.frameworks))
    return (*internal, *select_findings(others, data, settings, path))


def _findings_of(document: TextDocument) -> tuple[Finding, ...]:
    """The findings on the document, or none where its configuration or its text stands in the way
    (the diagnostics say why)."""
    try:
        settings = _settings(document)
        if _excluded(document, settings):
            return ()
        return _findings(document.source, document.path, settings)
    except (ConfigError, SourceError):
        return ()


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: LanguageServer, params: types.HoverParams) -> types.Hover | None:
    """On a flagged call: the documentation of each rule it breaks (``conv-lint explain``)."""
    document = ls.workspace.get_text_document(params.text_document.uri)
    point = types.Range(params.position, params.position)
    found = [finding for finding in _findings_of(document) if _overlaps(_call_range(document, finding), point)]
    rules = list(dict.fromkeys(RULES_BY_CODE[f.code] for f in found if f.code in RULES_BY_CODE))
    if not rules:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n---\n\n".join(rule.docs() for rule in rules)),
        range=_call_range(document, found[0]),
    )


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]),
)
def code_actions(ls: LanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """For each finding whose call the requested range touches: its safe fix and a ``# noqa`` for
    its line; and "fix all" for the file, once."""
    document = ls.workspace.get_text_document(params.text_document.uri)
    try:
        settings = _settings(document)
    except ConfigError:
        return []  # the diagnostics say what is wrong with the configuration
    if _excluded(document, settings):
        return []
    try:
        found = _findings(document.source, document.path, settings)
        fixes = {fix.finding: fix for fix in _fixes(document.source, document.path, settings)}
        fixed_all = _fixed_all(document.source, document.path, settings)
    except SourceError:
        return []
    wanted = params.context.only
    quick = _wanted(types.CodeActionKind.QuickFix, wanted)
    actions = []
    fixable_in_range = []
    for finding in found:
        if finding.code == INTERNAL_ERROR or not _overlaps(_call_range(document, finding), params.range):
            continue
        diagnostic = _diagnostic(document, finding)
        fix = fixes.get(finding)
        if fix is not None:
            fixable_in_range.append(diagnostic)
            if quick:
                actions.append(_action(document, fix.title, types.CodeActionKind.QuickFix, fix.edits, [diagnostic]))
        if quick:
            title = f"Disable {finding.code} for this line (# noqa: {finding.code})"
            edits = _noqa_edits(document.source, finding.line, finding.code)
            actions.append(_action(document, title, types.CodeActionKind.QuickFix, edits, [diagnostic]))
    if fixed_all:
        # Offered once: beside the quick fixes when one is in range, else as the source action
        # that editors run on save (also whenever that kind is asked for by name).
        if fixable_in_range and quick:
            actions.append(_action(document, FIX_ALL_TITLE, types.CodeActionKind.QuickFix, fixed_all, fixable_in_range))
        if _wanted(FIX_ALL_KIND, wanted) and (wanted or not (fixable_in_range and quick)):
            actions.append(_action(document, FIX_ALL_TITLE, FIX_ALL_KIND, fixed_all, []))
    return actions


@functools.lru_cache(maxsize=64)
def _noqa_edits(text: str, line: int, code: str) -> tuple[TextEdit, ...]:
    """The edits that mark ``line`` ``# noqa: code`` as ``conv-lint check --add-noqa`` would."""
    marked, _ = add_noqa(_encode(text), {line: {code}})
    return text_edits(text, decode_source(marked))


# Editors ask for code actions whenever the cursor moves: fix each text once.
@functools.lru_cache(maxsize=16)
def _fixes(text: str, path: str, settings: Settings) -> list[FindingFix]:
    return finding_fixes(_encode(text), path, settings)


@functools.lru_cache(maxsize=16)
def _fixed_all(text: str, path: str, settings: Settings) -> tuple[TextEdit, ...]:
    result = fix_source(_encode(text), path, settings)
    return text_edits(text, decode_source(result.fixed)) if result.changed else ()


def _action(
    document: TextDocument,
    title: str,
    kind: str,
    edits: tuple[TextEdit, ...],
    fixed: list[types.Diagnostic],
) -> types.CodeAction:
    changes = [types.TextEdit(range=_range(document, edit.start, edit.end), new_text=edit.text) for edit in edits]
    return types.CodeAction(
        title=title,
        kind=kind,
        diagnostics=fixed or None,
        edit=types.WorkspaceEdit(changes={document.uri: changes}),
    )


def _wanted(kind: str, only: list[str] | None) -> bool:
    """Whether the client asked for this kind of action (``only`` lists kinds and their parents)."""
    return not only or any(kind == asked or kind.startswith(asked + ".") for asked in only)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(position: types.Position) -> tuple[int, int]:
        return position.line, position.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _call_range(document: TextDocument, finding: Finding) -> types.Range:
    """The whole flagged call or argument (its name's range when its end is not known)."""
    if finding.end_line is None or finding.end_column is None:
        return _diagnostic(document, finding).range
    return _range(document, (finding.line - 1, finding.column - 1), (finding.end_line - 1, finding.end_column - 1))


def _diagnostic(document: TextDocument, finding: Finding) -> types.Diagnostic:
    line, column = finding.line - 1, finding.column - 1
    lines = document.lines
    text = lines[line] if line < len(lines) else ""
    name = _DOTTED_NAME.match(text, column)
    end = name.end() if name else column + 1
    internal = finding.code == INTERNAL_ERROR
    return types.Diagnostic(
        range=_range(document, (line, column), (line, end)),
        message=finding.message,
        severity=types.DiagnosticSeverity.Error if internal else types.DiagnosticSeverity.Warning,
        code=finding.code,
        source=SOURCE,
    )


def _notice(document: TextDocument, line: int, column: int, message: str, severity: types.DiagnosticSeverity) -> types.Diagnostic:
    position = (line - 1, max(column - 1, 0))
    return types.Diagnostic(range=_range(document, position, position), message=message, severity=severity, source=SOURCE)


def _range(document: TextDocument, start: tuple[int, int], end: tuple[int, int]) -> types.Range:
    """A range in the client's units (UTF-16 unless agreed otherwise) from code-point positions."""
    return document.range_to_client_units(ServerTextRange(ServerTextPosition(*start), ServerTextPosition(*end)))


def _settings(document: TextDocument) -> Settings:
    # As `check` run from the file's folder: the closest pyproject.toml with [tool.conv-lint].
    return load(start=Path(document.path).parent)


def _excluded(document: TextDocument, settings: Settings) -> bool:
    """Files the configuration excludes (vendored code, generated code) get no findings."""
    return settings.excluded(Path(document.path))


# PEP 263's coding cookie, on the first line, or on the second when the first is blank or a comment.
_CODING_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK_OR_COMMENT = re.compile(r"^[ \t\f]*(?:[#\r\n]|$)")


def _encode(text: str) -> bytes:
    """The editor's text as the bytes the saved file holds, which the analyzer and the fixer read:
    in the encoding its coding cookie names, else UTF-8 (so columns and fixes match `conv-lint check`)."""
    for line in text.splitlines()[:2]:
        cookie = _CODING_COOKIE.match(line)
        if cookie:
            try:
                return text.encode(cookie.group(1))
            except (LookupError, UnicodeEncodeError):  # an unknown codec, or text it cannot hold: not savable as is
                break
        if not _BLANK_OR_COMMENT.match(line):
            break
    return text.encode("utf-8", errors="surrogateescape")


def main() -> int:
    server.start_io()
    return 0
