"""What every rule is made of: the ``Rule`` record (code, name, docs in ruff's sections, its own
VALID/INVALID cases, and its check), the ``Flag`` a check returns, and the ``ModuleContext`` a
check reads the module through.

A rule checks at one of three points (``conv_lint.analyzer`` calls them in this order):

- ``DefaultRule.check_default`` (``conv_lint.rules.defaults``): one catalog default a resolved
  call relies on. The catalog's hazard picks the rule, so a new API needs no rule code.
- ``Rule.check``: one resolved conv call, with the module around it.
- ``Rule.check_module``: the whole module of a file that calls convs (initializer calls).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from conv_lint.binding import ResolvedCall
from conv_lint.catalog import Default, target_packages
from conv_lint.dataflow import Values
from conv_lint.resolve import ModuleNames
from conv_lint.rules.facts import Facts

# Opinionated or opt-in codes (like flake8-bugbear's B9xx) run only when a select names
# them more precisely than the plain prefix: `--select CNV9` or `--extend-select CNV901`.
PREFIX = "CNV"
OPT_IN_PREFIX = "CNV9"
# Not a rule: a bug in conv-lint itself, reported whatever is selected (like flake8's E902).
INTERNAL_ERROR = "CNV999"
# What `conv-lint fix` can do for a rule's findings.
NO_FIX, SAFE_FIX = "none", "safe"


class Invalid(str):
    """An INVALID case: source the rule flags on its last line (the string itself) and, for a rule
    with a safe fix, ``expected_replacement``: the source ``conv-lint fix`` makes of it (as Fixit's
    ``Invalid``; None: the finding has no safe fix)."""

    expected_replacement: str | None

    def __new__(cls, code: str, expected_replacement: str | None = None) -> Invalid:
        case = super().__new__(cls, code)
        case.expected_replacement = expected_replacement
        return case


@dataclass
class ModuleContext:
    """What the checks read about the module around a call."""

    names: ModuleNames
    values: Values
    providers: set[str]  # ConvAPI.provider of every conv call the module makes
    line: Callable[[int], str]  # a source line, decoded only when asked for
    frameworks: tuple[str, ...] = ()  # the configured target frameworks (canonical names)


CallCheck = Callable[[ResolvedCall, ModuleContext], Iterable["Flag"]]
ModuleCheck = Callable[[ModuleContext], Iterable["Flag"]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    what_it_does: str
    why: str
    example: str
    use_instead: str
    fix_safety: str
    valid: tuple[str, ...] = ()
    invalid: tuple[Invalid, ...] = ()
    # For rules that are not about a catalog hazard: the libraries whose calls they flag.
    frameworks: tuple[str, ...] = field(default=())
    fix: str = NO_FIX
    # For port notes: the packages a port to which the note is about (CNV103: torch). With
    # `frameworks` configured, the rule is off unless a listed framework covers one of them.
    port_targets: tuple[str, ...] = ()
    check: CallCheck | None = field(default=None, repr=False, compare=False)
    check_module: ModuleCheck | None = field(default=None, repr=False, compare=False)
    # The catalog hazard a DefaultRule covers; None for the others.
    hazard: str | None = None

    @property
    def opt_in(self) -> bool:
        return self.code.startswith(OPT_IN_PREFIX)

    def applies_to(self, frameworks: tuple[str, ...]) -> bool:
        """Whether the rule concerns a team porting between ``frameworks`` (all of them: ``()``)."""
        return not frameworks or not self.port_targets or bool(target_packages(frameworks) & set(self.port_targets))

    def defaults_table(self) -> str:
        """The "Defaults by framework" section; only rules about a catalog default have one."""
        return ""

    def docs(self) -> str:
        """The rule's documentation as Markdown, in ruff's sections."""
        table = self.defaults_table()
        state = "off by default (opt-in)" if self.opt_in else "on by default"
        if self.port_targets:
            state += f" (with `frameworks` configured: only when they include {' or '.join(self.port_targets)})"
        sections = [
            f"# {self.code} {self.name}",
            f"{self.summary}\n\n{state}; fix: {self.fix}",
            f"## What it does\n{self.what_it_does}",
            f"## Why is this bad?\n{self.why}",
            f"## Example\n```python\n{self.example.strip()}\n```",
            f"## Use instead\n```python\n{self.use_instead.strip()}\n```",
            f"## Fix safety\n{self.fix_safety}",
        ]
        if table:
            sections.append(f"## Defaults by framework\n{table}")
        return "\n\n".join(sections) + "\n"


@dataclass(frozen=True)
class Flag:
    """A rule's finding at one node (an argument, or the call), before it gets a path and column."""

    node: ast.AST
    rule: Rule
    message: str
    parameter: str | None = None
    # For a DefaultRule's flag: the catalog default relied on, which `conv-lint fix` pins.
    default: Default | None = None
    # What the message states that a program reads (``conv_lint.rules.facts``), for the rules that fill it in.
    facts: Facts | None = None
