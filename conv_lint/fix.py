"""``conv-lint fix``: write defaults explicitly.

Safe fixes pin the default in force today (``padding="valid"`` on a Keras layer), so the
program does not change and the call no longer depends on a default. Unsafe fixes run only
when asked for (ruff's model): pins that depend on global state (``--unsafe-fixes``) and
``--align-with FRAMEWORK``, which rewrites the settings so the call behaves like that
framework's default conv layer.

The analyzer finds the calls (on Python's ``ast``); the edits are made in the text at the ast's
positions and laid out as the formatter would (``call_edit``), so everything else stays byte for
byte; libcst's codemod adds an import where the file has no name for an initializers module.
Every fixed file is re-parsed before it is written; a write is atomic (``conv_lint.atomic_write``)
and refused when the file changed on disk meanwhile.
"""

from __future__ import annotations

import ast
import difflib
import functools
import io
import os
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from conv_lint.analyzer import Analysis, Finding, ResolvedCall, SourceError, analyze_source, parse, partial_calls_differ
from conv_lint.binding import BoundCall
from conv_lint.call_edit import CallEdit, split_lines, write_arguments
from conv_lint.catalog import ALIGN_SOURCES, ALIGN_TARGETS, BIAS_INIT, PADDING, ConvAPI, Default
from conv_lint.config import Settings
from conv_lint.dataflow import Values
from conv_lint.formatter_style import formatter_style
from conv_lint.noqa import is_suppressed, noqa_lines
from conv_lint.rules import RULES_BY_HAZARD
from conv_lint.runner import SourceFile, select_findings


@dataclass(frozen=True)
class FixOptions:
    unsafe: bool = False
    align_with: str | None = None
    use_noqa: bool = True
    # `fix --verify`: pins a run could not confirm (keyed by `pin_key`), with why; left unwritten.
    refused_pins: Mapping[tuple, str] = field(default_factory=dict, hash=False, compare=False)


def pin_key(finding: Finding) -> tuple:
    """Which pin a finding is: its file, position, code and the parameter it pins."""
    return finding.path, finding.line, finding.column, finding.code, finding.parameter


@dataclass(frozen=True)
class NotFixed:
    """A finding the fixer left alone, and why."""

    finding: Finding
    reason: str


@dataclass
class FileFix:
    original: bytes
    fixed: bytes
    fixed_findings: list[Finding] = field(default_factory=list)
    not_fixed: list[NotFixed] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


class _Unwritable(Exception):
    """This edit cannot be written without guessing; the message says why."""


@dataclass
class _Edits:
    """Keyword values to set, per call node, plus the imports they need."""

    by_call: dict[int, tuple[ResolvedCall, dict[str, str]]] = field(default_factory=dict)
    imports: set[tuple[str, str, str | None]] = field(default_factory=set)

    def set(self, call: ResolvedCall, parameter: str, source: str) -> None:
        self.by_call.setdefault(id(call.node), (call, {}))[1][parameter] = source


def fix_source(source: bytes, path: str, settings: Settings, options: FixOptions = FixOptions()) -> FileFix:
    """Fix one file's source. Raises SourceError when it does not parse."""
    # With check's target frameworks, so the findings (messages included) are check's.
    analysis = analyze_source(source, path, frameworks=settings.frameworks)
    if analysis is None:
        return FileFix(source, source)
    writer = _ValueWriter(analysis, source)
    result = FileFix(source, source)
    edits = _Edits()
    aligned: dict[tuple[int, str], Finding] = {}
    for finding in select_findings(analysis.findings, source, settings, path, options.use_noqa):
        if finding.spec is None or finding.call is None:
            # Not a default to pin (a layout, a porting note, an unresolvable call): nothing to write.
            result.not_fixed.append(NotFixed(finding, f"{finding.code} has no automatic fix"))
            continue
        if options.align_with and _aligns(finding.call.api, finding.spec, options.align_with):
            aligned[(id(finding.call.node), finding.spec.param)] = finding
            continue
        refusal = options.refused_pins.get(pin_key(finding))
        if refusal is not None:
            result.not_fixed.append(NotFixed(finding, f"--verify did not confirm the pin ({refusal})"))
            continue
        try:
            edits.set(_pin_target(finding, analysis), finding.spec.param, _pin(finding, writer, options, edits))
            result.fixed_findings.append(finding)
        except _Unwritable as why:
            result.not_fixed.append(NotFixed(finding, str(why)))
    if options.align_with:
        _align(analysis, source, settings, options, writer, edits, path, aligned, result)
    if edits.by_call:
        result.fixed = _render(source, edits, path)
    return result


def _render(source: bytes, edits: _Edits, path: str) -> bytes:
    """The source with ``edits`` made (as text, at the ast's positions), and the imports they need added."""
    encoding = source_encoding(source)
    calls = [
        CallEdit(
            call.node,
            tuple((call.bound.arguments[name].index, value) for name, value in values.items() if name in call.bound.arguments),
            tuple(f"{name}={value}" for name, value in values.items() if name not in call.bound.arguments),
        )
        for call, values in edits.by_call.values()
    ]
    try:
        text = write_arguments(source.decode(encoding), calls, formatter_style(Path(path)))
    except ValueError as error:
        raise SourceError(f"could not edit the call: {error}") from None
    fixed = text.encode(encoding)
    if edits.imports:
        fixed = _add_imports(fixed, edits.imports)
    # Never hand back something that no longer parses, whatever went wrong above.
    parse(fixed, path)
    return fixed


def _add_imports(source: bytes, imports: set[tuple[str, str, str | None]]) -> bytes:
    """``source`` with ``from module import name [as alias]`` added where libcst's codemod puts imports."""
    # libcst costs a third of a second to import, its codemod as much again: only files that need an import pay.
    import libcst as cst
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor

    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError) as error:
        raise SourceError(f"cannot parse for editing: {str(error).splitlines()[0]}") from None
    context = CodemodContext()
    for module_name, obj, alias in sorted(imports, key=str):
        AddImportsVisitor.add_needed_import(context, module_name, obj, alias)
    return AddImportsVisitor(context).transform_module(module).bytes


@dataclass(frozen=True)
class TextEdit:
    """Replace the text from ``start`` to ``end`` with ``text``. Positions are (line, column),
    both 0-based, columns in characters (code points), as in an editor's view of the file."""

    start: tuple[int, int]
    end: tuple[int, int]
    text: str


@dataclass(frozen=True)
class FindingFix:
    """The safe fix of one finding, on its own: what a quick fix or a SARIF ``fix`` applies."""

    finding: Finding
    edits: tuple[TextEdit, ...]
    keyword: str  # what the fix writes into the call, e.g. padding="valid"

    @property
    def title(self) -> str:
        # Says what the fix writes, not what the finding says is wrong.
        return f"Pin {self.keyword} (the default in force today)"


def finding_fixes(source: bytes, path: str, settings: Settings, use_noqa: bool = True) -> list[FindingFix]:
    """Each selected finding's safe fix, made alone on ``source`` and given as text edits
    against it; findings without a safe fix are left out. The edits are those ``fix`` makes
    for that finding, imports included. Raises SourceError when the source does not parse."""
    analysis = analyze_source(source, path, frameworks=settings.frameworks)
    if analysis is None:
        return []
    writer = _ValueWriter(analysis, source)
    before = decode_source(source)
    fixes = []
    for finding in select_findings(analysis.findings, source, settings, path, use_noqa):
        if finding.spec is None or finding.call is None:
            continue
        edits = _Edits()
        try:
            value = _pin(finding, writer, FixOptions(), edits)
            target = _pin_target(finding, analysis)
        except _Unwritable:
            continue
        edits.set(target, finding.spec.param, value)
        after = decode_source(_render(source, edits, path))
        fixes.append(FindingFix(finding, text_edits(before, after), f"{finding.spec.param}={value}"))
    return fixes


def fixes_by_finding(
    sources: Iterable[SourceFile], findings: Iterable[Finding], settings: Settings, use_noqa: bool = True
) -> dict[Finding, FindingFix]:
    """The safe fix of each of ``findings`` that has one (for SARIF), reading their files again.
    A file that changed meanwhile gives other findings, which match none: those get no fix."""
    flagged = {finding.path for finding in findings}
    fixes: dict[Finding, FindingFix] = {}
    for source in sources:
        if source.display not in flagged:
            continue
        try:
            fixes.update((fix.finding, fix) for fix in finding_fixes(source.read(), source.display, settings, use_noqa))
        except (OSError, SourceError):
            continue  # check has reported it; its findings go out without fixes
    return fixes


def decode_source(data: bytes) -> str:
    """A Python file's text, in its own encoding (coding cookie, BOM), line endings kept."""
    return data.decode(source_encoding(data), errors="replace")


def source_encoding(data: bytes) -> str:
    """A Python file's encoding, from its coding cookie or BOM (utf-8-sig keeps the BOM when encoding)."""
    return tokenize.detect_encoding(io.BytesIO(data).readline)[0]


def text_edits(before: str, after: str) -> tuple[TextEdit, ...]:
    """The edits that turn ``before`` into ``after``, each as small as the lines allow:
    a keyword added to a call is an insertion at its place, not a rewritten line."""
    old, new = split_lines(before), split_lines(after)
    # A fix touches a call or two and the imports: match only the lines between the shared head and
    # tail, since difflib's cost grows with the square of what it is given.
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    edits = []
    matcher = difflib.SequenceMatcher(None, old[head : len(old) - tail], new[head : len(new) - tail], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        i1, i2, j1, j2 = i1 + head, i2 + head, j1 + head, j2 + head
        removed, inserted = "".join(old[i1:i2]), "".join(new[j1:j2])
        prefix = len(os.path.commonprefix([removed, inserted]))
        suffix = len(os.path.commonprefix([removed[prefix:][::-1], inserted[prefix:][::-1]]))
        start = _position(old, i1, prefix)
        end = _position(old, i1, len(removed) - suffix)
        edits.append(TextEdit(start, end, inserted[prefix : len(inserted) - suffix]))
    return tuple(edits)


def _position(lines: list[str], line: int, offset: int) -> tuple[int, int]:
    """The (line, column) ``offset`` characters after the start of ``lines[line]``."""
    while line < len(lines) and offset >= len(lines[line]) and lines[line].endswith(("\n", "\r")):
        offset -= len(lines[line])
        line += 1
    return line, offset


def _pin(finding: Finding, writer: _ValueWriter, options: FixOptions, edits: _Edits) -> str:
    spec = finding.spec
    if spec.no_pin:
        raise _Unwritable(spec.no_pin)
    if finding.call.pin_differs(spec):
        raise _Unwritable(finding.call.pin_differs(spec))
    if spec.unsafe and not (options.unsafe or options.align_with):
        raise _Unwritable(f"unsafe: {spec.unsafe} (--unsafe-fixes writes it)")
    pin = spec.pin
    if isinstance(pin, tuple):
        rank = finding.call.bound.spatial_rank()
        if rank is None:
            names = " or ".join(finding.call.api.rank_params)
            raise _Unwritable(f"the spatial rank is not written in the call (pass {names} as a literal tuple)")
        pin = pin[rank - 1]
    return writer.render(pin, finding.call, edits)


def _pin_target(finding: Finding, analysis: Analysis) -> ResolvedCall:
    """The call a pin is written into: the flagged call, or the functools.partial it is called through
    when every call through that partial relies on the default (a pin there holds for all of them)."""
    call, param = finding.call, finding.spec.param
    if call.partial is None:
        return call
    if partial_calls_differ(finding, analysis.calls, analysis.findings):
        raise _Unwritable(
            f"the functools.partial of line {call.partial.lineno} has calls that set {param} and calls that do not:"
            f" pass {param}= where each call means it"
        )
    return ResolvedCall(call.partial, call.scope, BoundCall(call.api, {}, False), call.qualified_name, call.callee, call.column)


def _aligns(api: ConvAPI, default: Default, target: str) -> bool:
    """Whether --align-with decides this parameter (instead of pinning today's default)."""
    return api.library in ALIGN_SOURCES and default.hazard in ALIGN_TARGETS[target]


def _align(
    analysis: Analysis,
    source: bytes,
    settings: Settings,
    options: FixOptions,
    writer: _ValueWriter,
    edits: _Edits,
    path: str,
    findings: dict[tuple[int, str], Finding],
    result: FileFix,
) -> None:
    """Set padding and initializers of every conv call to what the target's default layer does."""
    target = ALIGN_TARGETS[options.align_with]
    text = source.decode("utf-8", errors="replace")
    lines = noqa_lines(text) if options.use_noqa else {}
    for call in analysis.calls:
        api = call.api
        if api.library not in ALIGN_SOURCES:
            continue
        line = lines.get(call.line)
        for default in _alignable(api, call, target):
            code = RULES_BY_HAZARD[default.hazard].code
            if not settings.code_enabled(code, path) or is_suppressed(code, line):
                continue
            finding = findings.get((id(call.node), default.param))
            kind = target[default.hazard]
            template = ALIGN_SOURCES[api.library].get((default.hazard, kind))
            if template is None or (api.library == "torch" and (default.hazard, kind) == (PADDING, "same")
                                    and not _unit_stride_conv(call, analysis.values)):
                if finding is not None:
                    reason = f"{api.name} has no {default.param} that matches {options.align_with}'s {kind}"
                    if template is not None:  # PyTorch refuses padding='same' when the layer runs
                        reason += " here: PyTorch takes padding='same' only in a convolution (not transposed) at stride 1"
                    result.not_fixed.append(NotFixed(finding, reason))
                continue
            if finding is not None:
                result.fixed_findings.append(finding)
            value = writer.render(template, call, edits)
            current = call.bound.arguments.get(default.param)
            if current is not None and ast.unparse(current.value) == ast.unparse(ast.parse(value, mode="eval").body):
                continue
            edits.set(call, default.param, value)


def _unit_stride_conv(call: ResolvedCall, values: Values) -> bool:
    """A convolution, not a transposed one, whose stride is not passed or is 1 on every axis."""
    window = call.api.window
    if call.api.transposed or window is None or window.strides is None:
        return not call.api.transposed
    stride = call.bound.arguments.get(window.strides)
    steps = () if stride is None else values.ints(stride.value, call.scope)
    return steps is not None and all(step == 1 for step in steps)  # None: a stride the source does not tell


def _alignable(api: ConvAPI, call: ResolvedCall, target: dict[str, str]) -> list[Default]:
    bias_off = api.bias_switch is not None and call.bound.passes_constant(api.bias_switch, False)
    return [
        default
        for default in api.defaults
        if default.param and default.hazard in target and not (default.hazard == BIAS_INIT and bias_off)
    ]


class _ValueWriter:
    """Writes a pin's source the way this file writes code: its quotes and its module aliases."""

    def __init__(self, analysis: Analysis, source: bytes) -> None:
        self.analysis = analysis
        self.source = source

    @functools.cached_property
    def quote(self) -> str:
        return _preferred_quote(self.source)

    def render(self, template: str, call: ResolvedCall, edits: _Edits) -> str:
        if "{init}" in template:
            template = template.replace("{init}", self._module_expression(call, edits))
        if self.quote == "'" and "'" not in template:
            template = template.replace('"', "'")
        return template

    def _module_expression(self, call: ResolvedCall, edits: _Edits) -> str:
        """How this file can name the API's initializers module; an import is added if it cannot."""
        targets = call.api.initializers
        if not targets:
            raise _Unwritable(f"{call.api.name} has no initializers module to write")
        # Prefer the spelling that matches how the call itself was reached (tf.keras vs keras).
        targets = sorted(targets, key=lambda module: -_shared_prefix(module, call.qualified_name))
        resolver = self.analysis.resolver
        for module in targets:
            spellings = [
                expression + module[len(qualified) :]
                for expression in self._candidates(call)
                for qualified in resolver.qualified_names(expression, call.scope)
                if module == qualified or module.startswith(qualified + ".")
            ]
            if spellings:
                # The shortest: `nn.initializers`, not `flax.linen.initializers`, where `import flax`
                # sits next to `import flax.linen as nn` (min keeps the callee's own prefix on a tie).
                return min(spellings, key=len)
        module = targets[0]
        package, _, leaf = module.rpartition(".")
        alias = None
        if leaf in self.analysis.resolver.names.module_scope.bindings:
            alias = f"{package.split('.')[0]}_{leaf}"
        edits.imports.add((package, leaf, alias))
        return alias or leaf

    def _candidates(self, call: ResolvedCall) -> list[str]:
        """The callee's own prefixes (``nn`` in ``nn.Conv``), then every module-level name."""
        parts = call.callee.split(".")
        candidates = [".".join(parts[:end]) for end in range(len(parts) - 1, 0, -1)]
        candidates.extend(sorted(self.analysis.resolver.names.module_scope.bindings))
        return candidates


def _shared_prefix(module: str, qualified_name: str) -> int:
    count = 0
    for a, b in zip(module.split("."), qualified_name.split(".")):
        if a != b:
            break
        count += 1
    return count


def _preferred_quote(source: bytes) -> str:
    """The quote of the file's first one-line string literal (docstrings and f-strings aside); ``"`` if none."""
    try:
        for token in tokenize.tokenize(io.BytesIO(source).readline):
            if token.type != tokenize.STRING:
                continue
            body = token.string.lstrip("rRbBuUfF")
            if "f" not in token.string[: -len(body)].lower() and body[:3] not in ('"""', "'''"):
                return body[0]
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        pass
    return '"'
