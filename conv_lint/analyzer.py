"""Turn one file's source into findings: parse, resolve callees, bind arguments, apply rules.

The analyzer reports everything it sees; choosing which codes to show (select/ignore,
``# noqa``, per-file ignores) is the front end's job, so the flake8 plugin can leave it
to flake8 and ``conv-lint check`` can do it the same way.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from conv_lint.catalog import BIAS_INIT, CATALOG, Catalog, ConvAPI, Default, contrast_for
from conv_lint.resolve import BoundCall, ModuleNames, Resolver, Scope, bind_arguments, dotted_name
from conv_lint.rules import DYNAMIC_CALL, RULES_BY_HAZARD

PARTIAL = "functools.partial"
FROM_CONFIG = "from_config"


@dataclass(frozen=True)
class Finding:
    """One hazard at one call: the record every report format and the fixer render from."""

    path: str
    line: int
    column: int  # 1-based, as flake8 prints it
    code: str
    message: str
    api: str
    parameter: str | None = None
    default: str | None = None
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
        }


class SourceError(Exception):
    """A file that cannot be analyzed (does not parse, cannot be decoded)."""

    def __init__(self, reason: str, line: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column


def parse(source: bytes | str, path: str = "-") -> cst.Module:
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        # Python's own parser names the line a user expects (libcst's can be one off).
        syntax_check(source, path)
        reason = str(error.message).splitlines()[0] if error.message else "syntax error"
        raise SourceError(f"cannot parse: {reason}", error.raw_line, error.raw_column + 1) from None
    except (UnicodeDecodeError, LookupError) as error:
        raise SourceError(f"cannot decode: {error}") from None
    except RecursionError:
        raise SourceError("cannot parse: too deeply nested") from None


@dataclass(frozen=True)
class ResolvedCall:
    """A call of a catalog API, with the scope it sits in and its arguments bound."""

    node: cst.Call
    scope: Scope
    bound: BoundCall
    qualified_name: str  # as this file reaches it, e.g. tensorflow.keras.layers.Conv1D

    @property
    def api(self) -> ConvAPI:
        return self.bound.api


@dataclass
class Analysis:
    """One module's resolved conv calls and findings: what ``check`` prints and ``fix`` edits."""

    module: cst.Module
    resolver: Resolver
    calls: list[ResolvedCall]
    findings: list[Finding]
    wrapper: MetadataWrapper = field(repr=False)

    def line_of(self, node: cst.CSTNode) -> int:
        return self.wrapper.resolve(PositionProvider)[node].start.line


def analyze(source: bytes | str, path: str, catalog: Catalog = CATALOG) -> list[Finding]:
    """All findings in ``source``, sorted by position. Raises SourceError if it does not parse."""
    analysis = analyze_source(source, path, catalog)
    return analysis.findings if analysis else []


def analyze_source(source: bytes | str, path: str, catalog: Catalog = CATALOG) -> Analysis | None:
    """The analysis of ``source``, or None when it cannot mention a conv API at all."""
    text = source if isinstance(source, str) else source.decode("latin-1")
    if not catalog.mentions_any(text):
        # No conv API can be called here, so skip libcst (ten times slower than the
        # compiler's own parser) but still report a file that is not valid Python.
        syntax_check(source, path)
        return None
    return analyze_module(parse(source, path), path, catalog)


def syntax_check(source: bytes | str, path: str) -> None:
    try:
        compile(source, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        reason = f"cannot parse: {error.msg}"
        raise SourceError(reason, error.lineno or 1, error.offset or 1) from None
    except (ValueError, UnicodeDecodeError) as error:  # NUL bytes, undecodable text
        raise SourceError(f"cannot parse: {error}") from None
    except (RecursionError, MemoryError):
        raise SourceError("cannot parse: too deeply nested") from None


def analyze_module(module: cst.Module, path: str, catalog: Catalog = CATALOG) -> Analysis:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    names = ModuleNames.of(wrapper.module)
    resolver = Resolver(names)
    calls: list[ResolvedCall] = []
    hits: list[_Hit] = []
    for node, scope in names.calls:
        hits.extend(_check_call(node, scope, resolver, catalog, calls))
    findings: list[Finding] = []
    if hits:
        positions = wrapper.resolve(PositionProvider)
        findings = sorted(
            (hit.finding(path, positions[hit.node].start) for hit in hits),
            key=lambda f: (f.line, f.column, f.code),
        )
    return Analysis(wrapper.module, resolver, calls, findings, wrapper)


@dataclass(frozen=True)
class _Hit:
    node: cst.Call
    code: str
    message: str
    api: ConvAPI
    call: ResolvedCall | None = None
    spec: Default | None = None

    def finding(self, path: str, start) -> Finding:
        return Finding(
            path=path,
            line=start.line,
            column=start.column + 1,
            code=self.code,
            message=self.message,
            api=self.api.name,
            parameter=self.spec.param if self.spec else None,
            default=self.spec.value if self.spec else None,
            call=self.call,
            spec=self.spec,
        )


def _lookup(node: cst.BaseExpression, scope: Scope, resolver: Resolver, catalog: Catalog) -> ConvAPI | None:
    found = _lookup_named(node, scope, resolver, catalog)
    return found[0] if found else None


def _lookup_named(
    node: cst.BaseExpression, scope: Scope, resolver: Resolver, catalog: Catalog
) -> tuple[ConvAPI, str] | None:
    for name in resolver.qualified_names(node, scope):
        api = catalog.lookup(name)
        if api is not None:
            return api, name
    return None


def _none_for_none(bound: BoundCall, default: Default) -> bool:
    """``data_format=None`` where the default is None: written out, but still the framework's choice."""
    arg = bound.arguments[default.param]
    return default.value == "None" and isinstance(arg.value, cst.Name) and arg.value.value == "None"


def _indirect_api(call: cst.Call, scope: Scope, resolver: Resolver, catalog: Catalog) -> ConvAPI | None:
    """The API behind ``functools.partial(API, ...)`` or ``API.from_config(...)``."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == FROM_CONFIG:
        return _lookup(func.value, scope, resolver, catalog)
    if call.args and PARTIAL in resolver.qualified_names(func, scope):
        return _lookup(call.args[0].value, scope, resolver, catalog)
    return None


def _check_call(
    node: cst.Call, scope: Scope, resolver: Resolver, catalog: Catalog, calls: list[ResolvedCall]
) -> list[_Hit]:
    if dotted_name(node.func) is None:
        return []
    found = _lookup_named(node.func, scope, resolver, catalog)
    if found is None:
        indirect = _indirect_api(node, scope, resolver, catalog)
        if indirect is None:
            return []
        return [_Hit(node, DYNAMIC_CALL.code, DYNAMIC_CALL.message(indirect, None, None), indirect)]
    api, qualified_name = found
    bound = bind_arguments(api, node)
    if bound.dynamic:
        return [_Hit(node, DYNAMIC_CALL.code, DYNAMIC_CALL.message(api, None, None), api)]
    call = ResolvedCall(node, scope, bound, qualified_name)
    calls.append(call)
    hits = []
    for default in api.defaults:
        if default.param is not None and bound.passes(default.param) and not _none_for_none(bound, default):
            continue
        if default.hazard == BIAS_INIT and api.bias_switch and bound.literal_false(api.bias_switch):
            continue
        rule = RULES_BY_HAZARD[default.hazard]
        message = rule.message(api, default, contrast_for(api, default))
        hits.append(_Hit(node, rule.code, message, api, call, default))
    return hits
