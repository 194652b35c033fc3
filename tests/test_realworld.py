"""conv-lint on real code: the eight pinned packages of tests/realworld/wheels.txt (about 5,300 files).

No crash, no CNV999, the flake8 plugin reports exactly what `conv-lint check` does, and on the call sites
of tests/realworld/labels.csv every code keeps the recall and precision of thresholds.toml. The corpus is
downloaded once into a cache folder (tests/realworld_corpus.py; $CONV_LINT_CORPUS reuses a local copy);
when it cannot be downloaded these tests fail, they do not skip. Both linters run with two jobs, CI's
CPU count: on 2 free CPUs check takes about 10 s and flake8 (which also runs pycodestyle and pyflakes,
whatever is selected) about 1.5 minutes.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import realworld_corpus
import realworld_labels
from conftest import Finding, parse_findings, run

TIMEOUT = 1800


@pytest.fixture(scope="session")
def realworld_packages() -> dict[str, Path]:
    try:
        return realworld_corpus.ensure()
    except (realworld_corpus.CorpusError, OSError, subprocess.TimeoutExpired) as error:
        pytest.fail(f"the real-code corpus could not be made in {realworld_corpus.default_folder()}: {error}")


@pytest.fixture(scope="session")
def realworld_check(realworld_packages) -> subprocess.CompletedProcess:
    """`conv-lint check` on the whole corpus, every default rule."""
    process = run(
        "python", "-m", "conv_lint", *realworld_corpus.CHECK, *map(str, realworld_packages.values()),
        cwd=realworld_corpus.default_folder(), timeout=TIMEOUT,
    )
    # Nothing on stderr but the closing summary: no error line, no traceback.
    summary = re.fullmatch(r"Found \d+ findings .*\n", process.stderr)
    assert process.returncode == 0 and summary, process.stderr[-3000:]
    return process


@pytest.fixture(scope="session")
def realworld_findings(realworld_check) -> list[Finding]:
    return parse_findings(realworld_check.stdout)


def test_check_reads_all_real_code_without_an_internal_error(realworld_check, realworld_findings):
    assert "CNV999" not in realworld_check.stdout + realworld_check.stderr
    # The corpus is full of conv calls relying on defaults: a run that finds none has not read it.
    assert {f.code for f in realworld_findings} >= {"CNV001", "CNV002", "CNV003", "CNV004"}


def test_flake8_plugin_reports_what_check_reports_on_all_real_code(realworld_packages, realworld_check):
    process = run(
        "flake8", "--isolated", "--select=CNV", "--exit-zero", "-j", "2",
        "--format=%(path)s:%(row)d:%(col)d: %(code)s %(text)s", *map(str, realworld_packages.values()),
        cwd=realworld_corpus.default_folder(), timeout=TIMEOUT,
    )
    assert (process.returncode, process.stderr) == (0, ""), process.stderr[-3000:]
    assert sorted(process.stdout.splitlines()) == sorted(realworld_check.stdout.splitlines())


def test_a_wheel_that_does_not_match_its_pin_is_an_error(tmp_path):
    pin = realworld_corpus.Pin("timm", "1.0.31", "0" * 64)
    (tmp_path / ".wheels").mkdir()
    (tmp_path / ".wheels" / "timm-1.0.31-py3-none-any.whl").write_bytes(b"not the pinned wheel")
    with pytest.raises(realworld_corpus.CorpusError, match="sha256"):
        realworld_corpus.ensure(tmp_path, [pin])
    assert not (tmp_path / "timm").exists()


def test_labelled_call_sites_are_lines_of_the_corpus(realworld_packages):
    labels = realworld_labels.read_labels()
    folder = realworld_corpus.default_folder()
    assert len({(label.file, label.line) for label in labels}) == len(labels)
    assert {label.package for label in labels} == {path.name for path in realworld_packages.values()}
    for label in labels:
        assert label.expected <= set(realworld_labels.CODES), label
        lines = (folder / label.file).read_text(encoding="utf-8").splitlines()
        assert "(" in lines[label.line - 1], label


def test_labelled_call_sites_keep_their_recall_and_precision(realworld_findings):
    labels = realworld_labels.read_labels()
    reported = realworld_labels.reported_codes(realworld_findings, realworld_corpus.default_folder())
    scores = realworld_labels.score(labels, reported)
    thresholds = realworld_labels.read_thresholds()
    assert set(thresholds) >= {"CNV001", "CNV002", "CNV003", "CNV004"}
    below = {
        code: (measure, getattr(scores[code], measure), minimum)
        for code, minimums in thresholds.items()
        for measure, minimum in minimums.items()
        if getattr(scores[code], measure) < minimum
    }
    assert below == {}, realworld_labels.table(scores)
