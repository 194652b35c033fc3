"""The shortcuts taken for speed never change a result: pre-check, cache and --jobs."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, run
from conv_lint.analyzer import SourceError, analyze, analyze_module, parse
from conv_lint import cache as cache_module
from conv_lint.cache import Cache, analyzer_fingerprint, entry_key

SITE = Path(subprocess.check_output([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
REAL_WORLD = [SITE / "keras" / "src", SITE / "flax", SITE / "haiku", SITE / "equinox", SITE / "jax" / "_src"]


def corpus() -> list[Path]:
    files = sorted(FIXTURES.rglob("*.py"))
    for folder in REAL_WORLD:
        if folder.is_dir():
            files.extend(sorted(folder.rglob("*.py")))
    return files


def test_precheck_never_skips_a_file_with_a_finding():
    """Every file, analyzed with and without the pre-check, gives the same findings."""
    checked = skipped = 0
    for path in corpus():
        data = path.read_bytes()
        try:
            full = analyze_module(parse(data, str(path)), data, str(path)).findings
        except SourceError:
            continue
        assert analyze(data, str(path)) == full, path
        checked += 1
        skipped += not full
    # The sample is real: thousands of files, most with nothing to find.
    assert checked > 1000 and skipped > checked * 0.8


def finding_lines(*args: str, cwd: Path | None = None) -> list[str]:
    result = run("conv-lint", "check", "--exit-zero", *args, cwd=cwd)
    assert result.returncode in (0, 2), result.stderr
    return result.stdout.splitlines()


@pytest.mark.parametrize("folder", [FIXTURES, SITE / "keras" / "src" / "backend"])
def test_same_findings_with_and_without_cache_and_jobs(tmp_path, folder):
    cache = tmp_path / "cache"
    reference = finding_lines("--no-cache", "-j1", str(folder))
    assert reference
    assert finding_lines("--cache-dir", str(cache), "-j2", str(folder)) == reference  # cold, parallel
    assert list(cache.glob("*.json"))
    assert finding_lines("--cache-dir", str(cache), "-j1", str(folder)) == reference  # warm
    assert finding_lines("--cache-dir", str(cache), "-j2", str(folder)) == reference


def test_corrupt_or_foreign_cache_is_ignored(tmp_path):
    cache = tmp_path / "cache"
    reference = finding_lines("--no-cache", str(FIXTURES / "keras"))
    finding_lines("--cache-dir", str(cache), str(FIXTURES / "keras"))
    (entry,) = cache.glob("*.json")
    entry.write_text("{not json")
    assert finding_lines("--cache-dir", str(cache), str(FIXTURES / "keras")) == reference
    keys = [entry_key(path.read_bytes()) for path in (FIXTURES / "keras").glob("*.py")]
    entry.write_text(json.dumps({key: {"findings": [{"bogus": 1}]} for key in keys}))
    assert finding_lines("--cache-dir", str(cache), str(FIXTURES / "keras")) == reference


def test_cache_entries_are_keyed_by_content_and_analyzer(tmp_path):
    cache = Cache(tmp_path)
    data = b"import numpy as np\nnp.convolve(x, k)\n"
    findings = analyze(data, "a.py")
    cache.put(entry_key(data), findings)
    cache.save()
    again = Cache(tmp_path)
    assert again.get(entry_key(data), "b.py") == [f.__class__(**{**f.as_dict(), "path": "b.py"}) for f in findings]
    assert again.get(entry_key(data + b"\n"), "a.py") is None
    assert again.file.name == f"{analyzer_fingerprint()}.json"
    assert (tmp_path / ".gitignore").read_text().endswith("*\n")


def test_cache_keeps_each_findings_facts(tmp_path):
    """Verify plans from a finding's facts: a cached finding has them as a fresh one does."""
    data = (FIXTURES / "initializers" / "flagged_initializers.py").read_bytes() + (
        FIXTURES / "layouts" / "flagged_kernel_layout.py").read_bytes()
    findings = analyze(data, "a.py")
    assert {type(f.facts).__name__ for f in findings if f.facts} == {
        "KernelReading", "LabelledFormula", "TruncatedNormalStd", "InitializerContrast"}
    cache = Cache(tmp_path)
    cache.put(entry_key(data), findings)
    cache.save()
    cached = Cache(tmp_path).get(entry_key(data), "a.py")
    assert [(f.code, f.facts) for f in cached] == [(f.code, f.facts) for f in findings]


def test_a_new_entry_format_is_a_new_cache(monkeypatch):
    """An entry written before a finding had a field would be read without it: the format names the cache."""
    before = analyzer_fingerprint()
    analyzer_fingerprint.cache_clear()
    try:
        monkeypatch.setattr(cache_module, "ENTRY_FORMAT", cache_module.ENTRY_FORMAT + 1)
        assert analyzer_fingerprint() != before
    finally:
        analyzer_fingerprint.cache_clear()


def test_concurrent_runs_share_one_cache(tmp_path):
    cache = tmp_path / "cache"
    command = [str(Path(sys.executable).parent / "conv-lint"), "check", "--exit-zero", "--cache-dir", str(cache)]
    reference = finding_lines("--no-cache", str(FIXTURES))
    processes = [
        subprocess.Popen([*command, str(FIXTURES)], stdout=subprocess.PIPE, text=True) for _ in range(4)
    ]
    outputs = [process.communicate(timeout=300)[0].splitlines() for process in processes]
    assert all(output == reference for output in outputs)
    assert finding_lines("--cache-dir", str(cache), str(FIXTURES)) == reference
    assert not list(cache.glob("*.tmp"))


def test_cache_serves_messages_for_the_frameworks_asked(tmp_path):
    """Messages depend on `frameworks`: the cache keeps one entry per setting, never a stale one."""
    model = tmp_path / "model.py"
    model.write_text("import keras\nkeras.layers.Conv1D(8, 3)\n")
    cache = tmp_path / "cache"

    def padding_message(*frameworks: str) -> str:
        lines = finding_lines("--cache-dir", str(cache), "--select", "CNV001", *frameworks, str(model))
        (line,) = lines
        return line.split(" CNV001 ", 1)[1]

    with_haiku = "keras.layers.Conv1D relies on default padding='valid'; haiku.Conv1D defaults to 'SAME' — pass padding= explicitly"
    with_jax = "keras.layers.Conv1D relies on default padding='valid'; flax.linen.Conv defaults to 'SAME' — pass padding= explicitly"
    assert padding_message("--frameworks", "tensorflow,haiku") == with_haiku  # cold
    assert padding_message("--frameworks", "tensorflow,jax") == with_jax  # same content, other setting
    assert padding_message("--frameworks", "tensorflow,haiku") == with_haiku  # warm, both kept
    assert padding_message("--frameworks", "tensorflow,jax") == with_jax
    assert padding_message() == with_jax  # unset: the default contrast, Flax
    (entries,) = cache.glob("*.json")
    assert len(json.loads(entries.read_text())) == 3
    assert entry_key(b"x", ("tensorflow", "jax")) != entry_key(b"x", ("jax", "tensorflow")) != entry_key(b"x")
