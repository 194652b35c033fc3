"""A bug in conv-lint (issue 8, item 5): one rule that raises on one call becomes CNV999 with the
file and line, the other rules, calls and files are still checked, and the run exits 2.

The bug is real, not simulated: a catalog entry whose default names a hazard no rule covers,
so the analyzer's rule lookup fails on it exactly as a bug in a rule would.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap

from conftest import ROOT
from conv_lint.analyzer import analyze
from conv_lint.catalog import CATALOG, Catalog
from conv_lint.rules import INTERNAL_ERROR

BROKEN_API = "keras.layers.Conv2D"
# Replace one default of one API with a hazard no rule covers (in this process only).
BREAK_ONE_API = f"""
import dataclasses
from conv_lint.catalog import CATALOG
api = CATALOG.by_name[{BROKEN_API!r}]
broken = dataclasses.replace(api, defaults=(dataclasses.replace(api.defaults[0], hazard="no-such-hazard"), *api.defaults[1:]))
for name in api.names:
    CATALOG.by_name[name] = broken
"""
SOURCE = "import keras\n\nfirst = keras.layers.Conv1D(1, 3)\nbroken = keras.layers.Conv2D(1, 3)\nlast = keras.layers.Conv1D(1, 3)\n"


def _broken_catalog() -> Catalog:
    """The catalog with BREAK_ONE_API's change, as a catalog of its own."""
    api = CATALOG.by_name[BROKEN_API]
    broken = dataclasses.replace(api, defaults=(dataclasses.replace(api.defaults[0], hazard="no-such-hazard"), *api.defaults[1:]))
    return Catalog(apis=tuple(broken if entry is api else entry for entry in CATALOG.apis))


def test_a_bug_in_one_rule_is_cnv999_at_its_line_and_the_other_findings_stay():
    found = analyze(SOURCE, "model.py", catalog=_broken_catalog())
    internal = [finding for finding in found if finding.code == INTERNAL_ERROR]
    assert [(f.line, f.column) for f in internal] == [(4, 10)]
    assert internal[0].message.startswith("internal error in the rule for 'no-such-hazard' on model.py:4: AttributeError")
    assert "please report it" in internal[0].message
    healthy = {(f.line, f.code) for f in analyze(SOURCE, "model.py", catalog=CATALOG)}
    # Everything else is still found: the other calls, and the other defaults of the broken call.
    assert {(f.line, f.code) for f in found if f.code != INTERNAL_ERROR} == healthy - {(4, "CNV001")}
    assert {(3, "CNV001"), (4, "CNV002"), (5, "CNV001")} <= healthy


def test_check_reports_cnv999_whatever_is_selected_checks_the_other_files_and_exits_2(tmp_path):
    (tmp_path / "broken.py").write_text(SOURCE)
    (tmp_path / "other.py").write_text("import keras\nlayer = keras.layers.Conv1D(1, 3)\n")
    launcher = BREAK_ONE_API + "from conv_lint.cli import main\nraise SystemExit(main(sys.argv[1:]))\n"
    command = [sys.executable, "-c", "import sys\n" + textwrap.dedent(launcher), "check", "--no-cache", "--jobs", "1",
               "--select", "CNV002", str(tmp_path)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    error, summary = result.stderr.splitlines()
    assert error.startswith(f"conv-lint: error: {tmp_path / 'broken.py'}:4:10: CNV999 internal error in the rule for")
    assert summary.startswith("Found 4 findings (")  # CNV999 is an error, not a finding
    reported = sorted((line.split(":")[0].rsplit("/", 1)[1], line.split(":")[1]) for line in result.stdout.splitlines())
    assert reported == [("broken.py", "3"), ("broken.py", "4"), ("broken.py", "5"), ("other.py", "2")]  # CNV002 everywhere
