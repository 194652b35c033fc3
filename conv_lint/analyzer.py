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

from conv_lint.catalog import BIAS_INIT, CATALOG, Catalog, ConvAPI, contrast_for
from conv_lint.resolve import ModuleNames, Resolver, Scope, bind_arguments, dotted_name
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
    node: cst.Call | None = field(default=None, compare=False, repr=False)

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


def parse(source: bytes | str) -> cst.Module:
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        reason = str(error.message).splitlines()[0] if error.message else "syntax error"
        raise SourceError(f"cannot parse: {reason}", error.raw_line, error.raw_column + 1) from None
    except (UnicodeDecodeError, LookupError) as error:
        raise SourceError(f"cannot decode: {error}") from None


def analyze(source: bytes | str, path: str, catalog: Catalog = CATALOG) -> list[Finding]:
    """All findings in ``source``, sorted by position. Raises SourceError if it does not parse."""
    text = source if isinstance(source, str) else source.decode("latin-1")
    if not catalog.mentions_any(text):
        # No conv API can be called here, so skip libcst (ten times slower than the
        # compiler's own parser) but still report a file that is not valid Python.
        syntax_check(source, path)
        return []
    return analyze_module(parse(source), path, catalog)


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


def analyze_module(module: cst.Module, path: str, catalog: Catalog = CATALOG) -> list[Finding]:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    names = ModuleNames.of(wrapper.module)
    resolver = Resolver(names)
    findings: list[_Hit] = []
    for call, scope in names.calls:
        findings.extend(_check_call(call, scope, resolver, catalog))
    if not findings:
        return []
    positions = wrapper.resolve(PositionProvider)
    result = [hit.finding(path, positions[hit.call].start) for hit in findings]
    return sorted(result, key=lambda f: (f.line, f.column, f.code))


@dataclass(frozen=True)
class _Hit:
    call: cst.Call
    code: str
    message: str
    api: ConvAPI
    parameter: str | None = None
    default: str | None = None

    def finding(self, path: str, start) -> Finding:
        return Finding(
            path=path,
            line=start.line,
            column=start.column + 1,
            code=self.code,
            message=self.message,
            api=self.api.name,
            parameter=self.parameter,
            default=self.default,
            node=self.call,
        )


def _lookup(node: cst.BaseExpression, scope: Scope, resolver: Resolver, catalog: Catalog) -> ConvAPI | None:
    for name in resolver.qualified_names(node, scope):
        api = catalog.lookup(name)
        if api is not None:
            return api
    return None


def _indirect_api(call: cst.Call, scope: Scope, resolver: Resolver, catalog: Catalog) -> ConvAPI | None:
    """The API behind ``functools.partial(API, ...)`` or ``API.from_config(...)``."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == FROM_CONFIG:
        return _lookup(func.value, scope, resolver, catalog)
    if call.args and PARTIAL in resolver.qualified_names(func, scope):
        return _lookup(call.args[0].value, scope, resolver, catalog)
    return None


def _check_call(call: cst.Call, scope: Scope, resolver: Resolver, catalog: Catalog) -> list[_Hit]:
    if dotted_name(call.func) is None:
        return []
    api = _lookup(call.func, scope, resolver, catalog)
    if api is None:
        indirect = _indirect_api(call, scope, resolver, catalog)
        if indirect is None:
            return []
        return [_Hit(call, DYNAMIC_CALL.code, DYNAMIC_CALL.message(indirect, None, None), indirect)]
    bound = bind_arguments(api, call)
    if bound.dynamic:
        return [_Hit(call, DYNAMIC_CALL.code, DYNAMIC_CALL.message(api, None, None), api)]
    hits = []
    for default in api.defaults:
        if default.param is not None and bound.passes(default.param):
            continue
        if default.hazard == BIAS_INIT and api.bias_switch and bound.literal_false(api.bias_switch):
            continue
        rule = RULES_BY_HAZARD[default.hazard]
        message = rule.message(api, default, contrast_for(api, default))
        hits.append(_Hit(call, rule.code, message, api, default.param, default.value))
    return hits
