"""The rules: one module per kind of hazard, each rule carrying its code, name, docs, its own
VALID/INVALID cases and its check (see ``conv_lint.rules.base``).

| module | rules |
|---|---|
| ``defaults`` | CNV001-005, CNV105: a call relies on a catalog default that differs between frameworks |
| ``kernel_layout`` | CNV101, CNV107: a functional conv reads a kernel in an order that cannot be meant |
| ``padding`` | CNV102-104: padding with no equivalent in another framework |
| ``initializers`` | CNV106, CNV108: initializers whose name or formula means something else elsewhere |
| ``dynamic`` | CNV901 (opt-in): a call whose arguments cannot be known statically |
| ``precision`` | CNV902 (opt-in): a JAX conv left at ``precision=None`` |

This registry is all the analyzer, the reports, ``conv-lint rules``/``explain`` and the README's
table read. ``tests/test_rules.py`` runs every rule's cases, and the fixes of its INVALID cases.
"""

from __future__ import annotations

from conv_lint.rules import defaults, dynamic, initializers, kernel_layout, padding, precision
from conv_lint.rules.base import INTERNAL_ERROR, NO_FIX, OPT_IN_PREFIX, PREFIX, SAFE_FIX, Flag, Invalid, ModuleContext, Rule
from conv_lint.rules.defaults import DefaultRule
from conv_lint.rules.dynamic import DYNAMIC_CALL

RULES: tuple[Rule, ...] = tuple(
    sorted(
        (
            *defaults.RULES,
            *kernel_layout.RULES,
            *padding.RULES,
            *initializers.RULES,
            *dynamic.RULES,
            *precision.RULES,
        ),
        key=lambda rule: rule.code,
    )
)
RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
# The rule of each catalog hazard: the analyzer asks it about every default a call relies on.
RULES_BY_HAZARD: dict[str, DefaultRule] = {rule.hazard: rule for rule in defaults.RULES}
# Rules that read each resolved call, and rules that read the whole module, in code order.
CALL_RULES: tuple[Rule, ...] = tuple(rule for rule in RULES if rule.check is not None)
MODULE_RULES: tuple[Rule, ...] = tuple(rule for rule in RULES if rule.check_module is not None)

__all__ = [
    "CALL_RULES",
    "DYNAMIC_CALL",
    "INTERNAL_ERROR",
    "MODULE_RULES",
    "NO_FIX",
    "OPT_IN_PREFIX",
    "PREFIX",
    "RULES",
    "RULES_BY_CODE",
    "RULES_BY_HAZARD",
    "SAFE_FIX",
    "DefaultRule",
    "Flag",
    "Invalid",
    "ModuleContext",
    "Rule",
]
