"""The fixture files, with their expected findings beside them (TorchFix style).

Every ``fixtures/**/x.py`` has an ``x.txt`` holding the exact output of
``conv-lint check --select CNV,CNV901 fixtures/**/x.py`` run from the repository root: the finding
lines (stdout), then any error line (stderr). ``pytest --update-fixtures`` rewrites them after an
intended change of output; read the diff before committing it.

A fixture's name says what it must show: ``clean*.py`` and ``suppressed*.py`` have no findings
(CNV901 aside), ``flagged*.py`` at least one. The seed post's snippets, the dynamic calls and the
unparsable file have tests of their own.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, parse_findings, run

SELECT = "CNV,CNV901"
OPT_IN = "CNV901"
BAD = FIXTURES / "bad" / "does_not_parse.py"
SEED = FIXTURES / "seed_post"
DYNAMIC = FIXTURES / "dynamic" / "unresolvable.py"


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


ALL = sorted(FIXTURES.rglob("*.py"))
PARSABLE = [path for path in ALL if path != BAD]
CLEAN = [path for path in ALL if path.name.startswith(("clean", "suppressed"))]
FLAGGED_FILES = [path for path in ALL if path.name.startswith("flagged")]
SPECIAL = {*SEED.glob("*.py"), DYNAMIC, BAD}


def cases(paths: list[Path]) -> list:
    return [pytest.param(path, id=rel(path)) for path in paths]


@functools.lru_cache(maxsize=None)
def check(*args: str, stdin: str | None = None):
    """``conv-lint check ARGS`` from the repository root (cached: the output depends on the args only),
    findings only: --quiet leaves out the closing summary, which flake8 does not print."""
    return run("conv-lint", "check", "--quiet", *args, stdin=stdin)


def check_file(path: Path):
    return check("--select", SELECT, rel(path))


@pytest.fixture(scope="module", autouse=True)
def _check_every_file_in_parallel():
    """Run the per-file checks side by side once; the tests then read them from the cache."""
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
        list(pool.map(check_file, ALL))


# -- expected output beside each fixture -----------------------------------------------------------


def test_fixture_set_is_complete():
    assert SEED.is_dir() and sorted(p.name for p in SEED.glob("*.py")) == [
        "snippet1_tensorflow.py",
        "snippet2_jax_valid.py",
        "snippet3_jax_same.py",
    ]
    families = {"keras", "tf_nn", "lax", "signal_convolve", "flax", "haiku", "equinox", "torch", "layouts", "initializers"}
    for family in families:
        names = [p.name for p in (FIXTURES / family).glob("*.py")]
        assert any(n.startswith("flagged") for n in names), family
        assert any(n.startswith("clean") for n in names), family
    # Every fixture says by its name (or folder) what it must show.
    unclassified = [rel(p) for p in ALL if p not in SPECIAL and p not in CLEAN and p not in FLAGGED_FILES]
    assert unclassified == []


def test_every_expectation_has_its_fixture():
    stale = [rel(txt) for txt in FIXTURES.rglob("*.txt") if not txt.with_suffix(".py").is_file()]
    assert stale == []


@pytest.mark.parametrize("path", cases(ALL))
def test_expected_output(path: Path, update_fixtures: bool):
    result = check_file(path)
    actual = result.stdout + result.stderr
    expected_file = path.with_suffix(".txt")
    if update_fixtures:
        expected_file.write_text(actual, encoding="utf-8")
    assert expected_file.is_file(), f"{rel(expected_file)} is missing: run pytest --update-fixtures"
    assert actual == expected_file.read_text(encoding="utf-8")
    if path == BAD:
        assert result.returncode == 2
    else:
        assert result.stderr == ""
        assert result.returncode == (1 if result.stdout else 0)
    for finding in parse_findings(result.stdout):
        assert finding.path == rel(path)


@pytest.mark.parametrize("path", cases(CLEAN))
def test_clean_file_has_no_findings(path: Path):
    result = check_file(path)
    assert [f for f in parse_findings(result.stdout) if f.code != OPT_IN] == []
    assert result.stderr == ""


@pytest.mark.parametrize("path", cases(FLAGGED_FILES))
def test_flagged_file_has_findings(path: Path):
    findings = parse_findings(check_file(path).stdout)
    assert [f for f in findings if f.code != OPT_IN]


# -- the seed post ---------------------------------------------------------------------------------


def test_seed_post_tensorflow_snippet():
    """Keras Conv1D(filters=1, kernel_size=3, use_bias=False): padding, initializer, layout are defaults."""
    path = SEED / "snippet1_tensorflow.py"
    source = path.read_text().splitlines()
    (call_line,) = [n for n, text in enumerate(source, start=1) if "tf.keras.layers.Conv1D(" in text]
    findings = parse_findings(check_file(path).stdout)
    assert [f.code for f in findings] == ["CNV001", "CNV002", "CNV004"]  # no CNV003: use_bias=False
    column = source[call_line - 1].index("tf.keras.layers.Conv1D(") + 1
    assert {(f.line, f.column) for f in findings} == {(call_line, column)}
    padding, init, layout = findings
    assert "keras.layers.Conv1D" in padding.message and "padding='valid'" in padding.message
    assert "kernel_initializer='glorot_uniform'" in init.message
    assert "data_format=None" in layout.message and "channels_last" in layout.message


@pytest.mark.parametrize("name", ["snippet2_jax_valid.py", "snippet3_jax_same.py"])
def test_seed_post_jax_snippets_kernel_layout(name: str):
    """Both pass padding= and dimension_numbers= to lax.conv_general_dilated, so no default is
    flagged; but their ("NWC", "OIW", "NWC") reads the (3, 1, 1) kernel, made as (width, in, out)
    and passed through a helper, as 3 outputs of width 1: one CNV101 at dimension_numbers."""
    path = SEED / name
    lines = path.read_text().splitlines()
    findings = parse_findings(check_file(path).stdout)
    assert not [f for f in findings if f.code.startswith("CNV0")]
    (layout,) = [f for f in findings if f.code == "CNV101"]
    assert (layout.line, layout.column) == next(
        (number, text.index("dimension_numbers=") + 1) for number, text in enumerate(lines, 1) if "dimension_numbers=" in text
    )
    assert "(3, 1, 1)" in layout.message and "'OIW'" in layout.message
    assert "use 'WIO'" in layout.message and "the output is (1, 7, 3)" in layout.message
    # Snippet 3 calls U(±sqrt(6/fan_in)) "glorot" in a printed label: He uniform.
    labels = [f for f in findings if f.code == "CNV108"]
    assert [f.line for f in labels] == ([14] if name.startswith("snippet3") else [])


# -- calls whose arguments cannot be known --------------------------------------------------------


def test_dynamic_calls_are_only_reported_by_the_opt_in_code():
    findings = parse_findings(check_file(DYNAMIC).stdout)
    assert {f.code for f in findings} == {OPT_IN}
    lines = DYNAMIC.read_text().splitlines()
    flagged = [lines[f.line - 1] for f in findings]
    spellings = ("(**cfg)", "(*args, **kwargs)", "*shape", "**extra", "functools.partial(", " partial(")
    spellings += (".from_config(",)
    for spelling in spellings:
        assert any(spelling in line for line in flagged), spelling
    default = check(rel(DYNAMIC))  # CNV901 is opt-in: nothing under the default selection
    assert (default.returncode, default.stdout, default.stderr) == (0, "", "")


# -- a file that does not parse --------------------------------------------------------------------


def test_unparsable_file_is_one_error_line_and_the_other_files_are_checked():
    others = [FIXTURES / name for name in ("keras/flagged.py", "torch/clean.py", "lax/flagged.py")]
    # The bad file second: files before and after it are both checked.
    result = check("--select", SELECT, rel(others[0]), rel(BAD), *(rel(p) for p in others[1:]))
    assert result.returncode == 2
    (error,) = result.stderr.splitlines()
    assert error.startswith(f"conv-lint: error: {rel(BAD)}:") and "cannot parse" in error
    assert "Traceback" not in result.stderr
    assert result.stdout == "".join(check_file(path).stdout for path in others)


def test_parse_error_names_the_line_python_reports():
    try:
        compile(BAD.read_bytes(), rel(BAD), "exec")
    except SyntaxError as error:
        python_line = error.lineno
    else:  # pragma: no cover
        pytest.fail(f"{rel(BAD)} parses")
    (error,) = check_file(BAD).stderr.splitlines()
    assert error.startswith(f"conv-lint: error: {rel(BAD)}:{python_line}:")


def test_whole_folder_equals_the_files_one_by_one():
    result = check("--select", SELECT, "fixtures/")
    assert result.returncode == 2
    (error,) = result.stderr.splitlines()
    assert error.startswith(f"conv-lint: error: {rel(BAD)}:")
    per_file = [line for path in PARSABLE for line in check_file(path).stdout.splitlines()]
    assert sorted(result.stdout.splitlines()) == sorted(per_file)


# -- the same findings through flake8 --------------------------------------------------------------


def flake8_comparable(output: str) -> list[str]:
    return sorted(line for line in output.splitlines() if line.strip())


@pytest.mark.parametrize(
    ("select", "frameworks"),
    [("CNV", None), (SELECT, None), ("CNV", "tensorflow,jax"), ("CNV", "keras,jax,torch"), ("CNV,CNV103", "numpy")],
)
def test_flake8_prints_the_same_lines_for_the_folder(select: str, frameworks: str | None):
    tailored = ("--frameworks", frameworks) if frameworks else ()
    ours = check("--select", select, *tailored, "fixtures/") if select != "CNV" else check(*tailored, "fixtures/")
    # flake8 reports the unparsable file as E999 (unselected here); leave it out of the comparison.
    tailored = ("--conv-frameworks", frameworks) if frameworks else ()
    theirs = run("flake8", "--select", select, *tailored, "--extend-exclude", BAD.name, "fixtures/")
    assert theirs.stderr == ""
    assert ours.stdout and flake8_comparable(ours.stdout) == flake8_comparable(theirs.stdout)
    if select == "CNV":
        assert OPT_IN not in ours.stdout
    # Port notes about PyTorch only where the team ports to it, or where CNV103 is selected by name.
    assert (" CNV103 " in ours.stdout) == (frameworks is None or "torch" in frameworks or "CNV103" in select)


# Piping a file through stdin is the same path for every file; these cover the varied content
# (star imports, noqa comments, a file-level noqa, opt-in codes, convolve, look-alikes).
STDIN_CASES = [
    ("keras/flagged.py", "CNV"),
    ("keras/flagged_star.py", "CNV"),
    ("noqa/flagged_line_noqa.py", "CNV"),
    ("noqa/suppressed_file_noqa.py", "CNV"),
    ("dynamic/unresolvable.py", SELECT),
    ("seed_post/snippet1_tensorflow.py", "CNV"),
    ("signal_convolve/flagged.py", "CNV"),
    ("lookalikes/clean_shadowed.py", "CNV"),
]


@pytest.mark.parametrize(
    ("path", "select"),
    [
        pytest.param(path, select, id=f"{rel(path)} --select {select}")
        for path, select in ((FIXTURES / name, select) for name, select in STDIN_CASES)
    ],
)
def test_stdin_gives_the_same_findings_as_flake8(path: Path, select: str):
    source = path.read_text(encoding="utf-8")
    ours = check("--select", select, "-", stdin=source)
    theirs = run("flake8", "--select", select, "-", stdin=source)
    assert ours.stderr == theirs.stderr == ""
    assert ours.stdout == theirs.stdout
    # And the same findings as for the file itself.
    from_file = check_file(path).stdout.splitlines()
    if OPT_IN not in select:
        from_file = [line for line in from_file if f": {OPT_IN} " not in line]
    assert ours.stdout.splitlines() == [line.replace(f"{rel(path)}:", "stdin:", 1) for line in from_file]
    assert ours.stdout or path.name.startswith(("clean", "suppressed"))
