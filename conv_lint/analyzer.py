"""Turn one file's source into findings: parse, resolve callees, bind arguments, apply rules.

The analyzer reports everything it sees; choosing which codes to show (select/ignore,
``# noqa``, per-file ignores) is the front end's job, so the flake8 plugin can leave it
to flake8 and ``conv-lint check`` can do it the same way.

It reads Python's ``ast`` (fast, and the same parse flake8 reports E999 from); the fixer
maps its findings back onto libcst nodes by position to edit the source losslessly. The rules
themselves live in ``conv_lint.rules``; this module runs the registry over each resolved call
and module (docs/ARCHITECTURE.md follows a finding through).
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from conv_lint.binding import ResolvedCall, bind_arguments
from conv_lint.catalog import CATALOG, Catalog, ConvAPI, Default
from conv_lint.dataflow import Values
from conv_lint.resolve import ModuleNames, ReachingDefinitions, Resolver, Scope, dotted_name
from conv_lint.rules import CALL_RULES, DYNAMIC_CALL, INTERNAL_ERROR, MODULE_RULES, RULES_BY_HAZARD, Flag, ModuleContext
from conv_lint.rules.facts import Facts

PARTIAL = "functools.partial"
FROM_CONFIG = "from_config"


@dataclass(frozen=True)
class Finding:
    """One hazard at one call: the record every report format and the fixer render from."""

    path: str
    line: int
    column: int  # 1-based, in characters, as flake8 prints it
    code: str
    message: str
    api: str
    parameter: str | None = None
    default: str | None = None
    # Where the flagged call or argument ends (1-based line, column just past it, in characters).
    end_line: int | None = None
    end_column: int | None = None
    # Whether `conv-lint fix` pins this default: "safe", "unsafe" (only with --unsafe-fixes) or None.
    applicability: str | None = None
    # What the message states that a program reads, as typed data (`conv_lint.rules.facts`): verify plans
    # from it. Left out of `as_dict`, so of check's JSON: that is a public schema other tools parse, and
    # these records change with what verify needs. The cache stores them beside the JSON fields.
    facts: Facts | None = None
    # What the fixer needs: the call as resolved, and the catalog entry of the default.
    call: ResolvedCall | None = field(default=None, compare=False, repr=False)
    spec: Default | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "api": self.api,
            "parameter": self.parameter,
            "default": self.default,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "applicability": self.applicability,
        }


class SourceError(Exception):
    """A file that cannot be analyzed (does not parse, cannot be decoded)."""

    def __init__(self, reason: str, line: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column


def parse(source: bytes | str, path: str = "-") -> ast.Module:
    """Python's own parse of ``source``: the encoding cookie and BOM are honoured."""
    try:
        return compile(source, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        raise SourceError(f"cannot parse: {error.msg}", error.lineno or 1, error.offset or 1) from None
    except (ValueError, UnicodeDecodeError) as error:  # NUL bytes, undecodable text
        raise SourceError(f"cannot parse: {error}") from None
    except (RecursionError, MemoryError):
        raise SourceError("cannot parse: too deeply nested") from None


@dataclass
class Analysis:
    """One module's resolved conv calls and findings: what ``check`` prints and ``fix`` edits."""

    resolver: Resolver
    calls: list[ResolvedCall]
    findings: list[Finding]
    values: Values  # what the module's expressions evaluate to, as the rules read them (and fix and verify)


def analyze(
    source: bytes | str,
    path: str,
    catalog: Catalog = CATALOG,
    check_syntax: bool = True,
    frameworks: tuple[str, ...] = (),
) -> list[Finding]:
    """All findings in ``source``, sorted by position. Raises SourceError if it does not parse.

    ``check_syntax=False`` skips parsing files that cannot call a conv API (the flake8
    plugin: flake8 reports syntax errors itself). ``frameworks`` (the configured target
    frameworks, canonical names) decides which frameworks the messages compare with."""
    analysis = analyze_source(source, path, catalog, check_syntax, frameworks)
    return analysis.findings if analysis else []


def analyze_source(
    source: bytes | str,
    path: str,
    catalog: Catalog = CATALOG,
    check_syntax: bool = True,
    frameworks: tuple[str, ...] = (),
) -> Analysis | None:
    """The analysis of ``source``, or None when it cannot mention a conv API at all."""
    data = source.encode("utf-8", errors="surrogateescape") if isinstance(source, str) else source
    if not catalog.mentions_any(data):
        if check_syntax:
            parse(source, path)  # still report a file that is not valid Python
        return None
    return analyze_module(parse(source, path), source, path, catalog, frameworks)


def analyze_module(
    module: ast.Module, source: bytes | str, path: str, catalog: Catalog = CATALOG, frameworks: tuple[str, ...] = ()
) -> Analysis:
    columns = _CharacterColumns(source)
    calls: list[ResolvedCall] = []
    hits: list[_Hit] = []
    try:
        names = ModuleNames.of(module)
    except RecursionError:
        raise SourceError("cannot analyze: too deeply nested") from None
    except Exception as error:  # a bug in conv-lint: say so, and go on with the next file
        names = ModuleNames()
        hits.append(_internal_error(module.body[0] if module.body else None, "name resolution", path, error))
    resolver = Resolver(names)
    values = Values(names, resolver)
    for node, scope in names.calls:
        try:
            hits.extend(_resolve_call(node, scope, resolver, catalog, calls, columns, values.definitions))
        except RecursionError:
            raise SourceError("cannot analyze: too deeply nested") from None
        except Exception as error:  # a bug in conv-lint: say so, and go on with the next call
            hits.append(_internal_error(node, "call resolution", path, error))
    if calls:
        context = ModuleContext(names, values, {call.api.provider for call in calls}, columns.line, frameworks)
        hits.extend(_rule_hits(calls, context, path))
    findings = sorted(
        (hit.finding(path, columns, hit.node) for hit in hits),
        key=lambda f: (f.line, f.column, f.code),
    )
    findings = [
        replace(f, applicability=None) if f.applicability and partial_calls_differ(f, calls, findings) else f
        for f in findings
    ]
    return Analysis(resolver, calls, findings, values)


def partial_calls_differ(finding: Finding, calls: list[ResolvedCall], findings: list[Finding]) -> bool:
    """Whether ``finding``'s call goes through a functools.partial whose other calls do not all rely on
    the same default: then no pin in the partial holds for every call (``fix`` leaves it)."""
    partial = finding.call.partial if finding.call else None
    if partial is None:
        return False
    through = {id(call.node) for call in calls if call.partial is partial}
    relying = {id(f.call.node) for f in findings if f.call and f.call.partial is partial and f.spec == finding.spec}
    return through != relying


def _rule_hits(calls: list[ResolvedCall], context: ModuleContext, path: str) -> list[_Hit]:
    """What the rules find in a module that calls convs: the default each call relies on (the rule
    of its catalog hazard), then each call rule on each call, then each module rule. A rule that
    raises becomes CNV999 at its call, and the other rules still run."""
    hits: list[_Hit] = []
    for call in calls:
        for default in call.api.defaults:
            rule = RULES_BY_HAZARD.get(default.hazard)
            where = rule.code if rule else f"the rule for {default.hazard!r}"
            hits.extend(_guarded(where, call.node, path, lambda: [rule.check_default(call, default, context)], call))
        for rule in CALL_RULES:
            hits.extend(_guarded(rule.code, call.node, path, lambda: rule.check(call, context), call))
    for rule in MODULE_RULES:
        hits.extend(_guarded(rule.code, None, path, lambda: rule.check_module(context)))
    return hits


def _guarded(
    where: str, node: ast.AST | None, path: str, check: Callable[[], Iterable[Flag | None]], call: ResolvedCall | None = None
) -> list[_Hit]:
    """The hits of one rule's check (its flags, None for none), or CNV999 if it raises."""
    try:
        flags = [flag for flag in check() if flag is not None]
    except RecursionError:
        raise SourceError("cannot analyze: too deeply nested") from None
    except Exception as error:  # a bug in one rule: report it as CNV999 and let the others run
        return [_internal_error(node, where, path, error)]
    api = call.api if call else None
    return [_Hit.of(flag, api, call) for flag in flags]


class _CharacterColumns:
    """``ast`` counts columns in UTF-8 bytes; editors and flake8's users count characters.

    The source is decoded only if a column or line is asked for, which is rare."""

    def __init__(self, source: bytes | str) -> None:
        self.source = source
        self._lines: list[str] | None = None

    def line(self, number: int) -> str:
        """Line ``number`` (1-based) of the source, decoded."""
        if self._lines is None:
            source = self.source
            if isinstance(source, bytes):
                encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
                source = source.decode(encoding, errors="replace")
            # Split as the tokenizer does: on \n, \r\n and \r only (not on form feeds).
            self._lines = io.StringIO(source, newline=None).read().split("\n")
        return self._lines[number - 1] if 1 <= number <= len(self._lines) else ""

    def of(self, node: ast.AST) -> int:
        return self._column(node.lineno, node.col_offset)

    def end_of(self, node: ast.AST) -> int:
        return self._column(node.end_lineno, node.end_col_offset)

    def _column(self, line_number: int, offset: int) -> int:
        line = self.line(line_number)
        return len(line.encode("utf-8")[:offset].decode("utf-8", errors="replace")) + 1


@dataclass(frozen=True)
class _Hit:
    node: ast.AST | None
    code: str
    message: str
    api: ConvAPI | None
    call: ResolvedCall | None = None
    spec: Default | None = None
    parameter: str | None = None  # the argument a finding points at, when it is not about a default
    facts: Facts | None = None

    @classmethod
    def of(cls, flag: Flag, api: ConvAPI | None, call: ResolvedCall | None = None) -> _Hit:
        return cls(flag.node, flag.rule.code, flag.message, api, call, flag.default, flag.parameter, flag.facts)

    def finding(self, path: str, columns: _CharacterColumns, node: ast.AST | None) -> Finding:
        located = node is not None and getattr(node, "end_lineno", None) is not None
        return Finding(
            path=path,
            line=getattr(node, "lineno", 1),
            column=columns.of(node) if node is not None else 1,
            end_line=node.end_lineno if located else None,
            end_column=columns.end_of(node) if located else None,
            code=self.code,
            message=self.message,
            api=self.api.name if self.api else "",
            parameter=self.spec.param if self.spec else self.parameter,
            default=self.spec.value if self.spec else None,
            applicability=pin_applicability(self.spec, self.call),
            facts=self.facts,
            call=self.call,
            spec=self.spec,
        )


def pin_applicability(spec: Default | None, call: ResolvedCall | None) -> str | None:
    """Whether the fixer can write this default as it is today (``"safe"``), only when unsafe fixes
    are asked for (``"unsafe"``), or not at all (None): what the catalog and the call say, decided
    where the cache can keep it, so check's summary needs no fixer run (a test compares both)."""
    if spec is None or call is None or spec.no_pin or spec.pin is None or call.pin_differs(spec):
        return None
    if isinstance(spec.pin, tuple) and call.bound.spatial_rank() is None:
        return None
    if "{init}" in str(spec.pin) and not call.api.initializers:
        return None
    return "unsafe" if spec.unsafe else "safe"


def _internal_error(node: ast.AST | None, where: str, path: str, error: Exception) -> _Hit:
    line = getattr(node, "lineno", 1)
    message = (
        f"internal error in {where} on {path}:{line}: {type(error).__name__}: {error}"
        " (a bug in conv-lint: please report it with this line; the other calls and files were checked)"
    )
    return _Hit(node, INTERNAL_ERROR, message, None)


def _lookup(dotted: str | None, scope: Scope, resolver: Resolver, catalog: Catalog) -> tuple[ConvAPI, str] | None:
    candidates = _candidates(dotted, scope, resolver, catalog)
    return candidates[0] if candidates else None


def _candidates(dotted: str | None, scope: Scope, resolver: Resolver, catalog: Catalog) -> list[tuple[ConvAPI, str]]:
    """Each catalog API ``dotted`` may stand for (one per API), with the first name reaching it."""
    found: dict[int, tuple[ConvAPI, str]] = {}
    names = resolver.qualified_names(dotted, scope) if dotted else ()
    owner, _, field_name = (dotted or "").partition(".")
    if not names and owner == "self" and field_name.isidentifier():
        # `self.conv(...)` in a method of a class declaring `conv: ModuleDef = nn.Conv` (a Flax field).
        fields = scope.parent if scope.parent is not None and scope.parent.is_class else None
        if fields is not None and field_name in fields.bindings:
            names = resolver.qualified_names(field_name, fields)
    for name in names:
        api = catalog.lookup(name)
        if api is not None:
            found.setdefault(id(api), (api, name))
    return list(found.values())


def _indirect_api(call: ast.Call, scope: Scope, resolver: Resolver, catalog: Catalog) -> ConvAPI | None:
    """The API behind ``functools.partial(API, ...)`` or ``API.from_config(...)``."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == FROM_CONFIG:
        found = _lookup(dotted_name(func.value), scope, resolver, catalog)
    elif call.args and PARTIAL in resolver.qualified_names(dotted_name(func), scope):
        found = _lookup(dotted_name(call.args[0]), scope, resolver, catalog)
    else:
        found = None
    return found[0] if found else None


def _resolve_call(
    node: ast.Call,
    scope: Scope,
    resolver: Resolver,
    catalog: Catalog,
    calls: list[ResolvedCall],
    columns: _CharacterColumns,
    definitions: ReachingDefinitions,
) -> list[_Hit]:
    """Resolve and bind one call: a conv call joins ``calls``; one whose arguments cannot be bound is CNV901."""
    callee = dotted_name(node.func)
    if callee is None and isinstance(node.func, ast.Call) and _partial_of(node, scope, resolver, None):
        callee = dotted_name(node.func.func)  # functools.partial(API, ...)(...)
    if callee is None:
        return []
    candidates = _candidates(callee, scope, resolver, catalog)
    partial = None
    if not candidates:
        found = _partial_of(node, scope, resolver, definitions)
        if found is not None:
            partial, partial_scope = found
            candidates = _candidates(dotted_name(partial.args[0]), partial_scope, resolver, catalog)
    if not candidates:
        indirect = _indirect_api(node, scope, resolver, catalog)
        return [_Hit.of(DYNAMIC_CALL.check_unbound(node, indirect), indirect)] if indirect else []
    if partial is not None:
        # functools.partial puts its own arguments first; the call's keywords override the partial's.
        merged = ast.Call(node.func, [*partial.args[1:], *node.args], [*partial.keywords, *node.keywords])
        node = ast.copy_location(merged, node)
    (api, qualified_name), others = candidates[0], candidates[1:]
    bound = bind_arguments(api, node)
    alternatives = tuple(bind_arguments(other, node) for other, _ in others)
    if bound.dynamic or any(alternative.dynamic for alternative in alternatives):
        return [] if partial is not None else [_Hit.of(DYNAMIC_CALL.check_unbound(node, api), api)]
    calls.append(ResolvedCall(node, scope, bound, qualified_name, callee, columns.of(node), alternatives, partial))
    return []


def _partial_of(
    node: ast.Call, scope: Scope, resolver: Resolver, definitions: ReachingDefinitions | None
) -> tuple[ast.Call, Scope] | None:
    """The ``functools.partial(API, ...)`` call a callee name holds where it is called, and its scope."""
    if isinstance(node.func, ast.Call):
        value, owner = node.func, scope
    elif isinstance(node.func, ast.Name) and definitions is not None:
        reaching = definitions.reaching_write(node.func, scope)
        value, owner = (reaching[0].value, reaching[1]) if reaching else (None, scope)
    else:
        return None
    if not (isinstance(value, ast.Call) and value.args and not isinstance(value.args[0], ast.Starred)):
        return None
    function = dotted_name(value.func)
    if function is None or PARTIAL not in resolver.qualified_names(function, owner):
        return None
    return value, owner
