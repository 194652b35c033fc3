"""`conv-lint fix` interrupted or starved: every file is either untouched or completely fixed."""

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, run

SITE = Path(subprocess.check_output([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
REAL_FILES = ["keras/src/backend/jax/nn.py", "keras/src/backend/tensorflow/nn.py", "flax/linen/linear.py"]
CONV_LINT = str(Path(sys.executable).parent / "conv-lint")


def make_sample(folder: Path) -> None:
    """The fixtures plus real framework files that call conv APIs: about 30 files, 17 to fix."""
    shutil.copytree(FIXTURES, folder, ignore=shutil.ignore_patterns("*.txt", "bad"))
    for name in REAL_FILES:
        if (SITE / name).is_file():
            target = folder / "real" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(SITE / name, target)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """The sample as it is before, and as a complete fix leaves it."""
    base = tmp_path_factory.mktemp("interrupted")
    original = base / "original"
    make_sample(original)
    fixed = base / "fixed"
    shutil.copytree(original, fixed)
    assert run("conv-lint", "fix", str(fixed)).returncode in (0, 1)
    before, after = snapshot(original), snapshot(fixed)
    assert sum(before[name] != after[name] for name in before) >= 10
    return original, before, after


def assert_each_file_whole(folder: Path, before: dict[str, bytes], after: dict[str, bytes]) -> int:
    """Every file is the original or the fixed version, nothing else is there; returns how many were fixed."""
    now = snapshot(folder)
    assert set(now) == set(before), set(now) ^ set(before)  # no temporary file left behind
    fixed = 0
    for name, data in now.items():
        assert data in (before[name], after[name]), f"{name} is neither untouched nor fully fixed"
        fixed += data != before[name] and data == after[name]
    return fixed


def test_fifty_interruptions_leave_no_file_corrupted(tmp_path, states):
    original, before, after = states
    randomness = random.Random(20261126)
    outcomes = []
    for attempt in range(50):
        work = tmp_path / f"run{attempt}"
        shutil.copytree(original, work)
        process = subprocess.Popen([CONV_LINT, "fix", str(work)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(randomness.uniform(0.15, 1.6))
        process.send_signal(signal.SIGINT if attempt % 2 else signal.SIGTERM)
        # (An interrupt during Python's own start-up may print its traceback: no file is open then.)
        process.communicate(timeout=120)
        outcomes.append(assert_each_file_whole(work, before, after))
        shutil.rmtree(work)
    # The interruptions landed at different points: before, during and after the writes.
    assert len(set(outcomes)) >= 3, outcomes


def test_a_full_disk_leaves_every_file_whole(tmp_path, states):
    """RLIMIT_FSIZE makes larger writes fail with EFBIG, as a full disk fails them with ENOSPC."""
    original, before, after = states
    work = tmp_path / "work"
    shutil.copytree(original, work)
    # Half the files to fix are larger than the limit: those writes fail, the others succeed.
    sizes = sorted(len(after[name]) for name in before if before[name] != after[name])
    limit = sizes[len(sizes) // 2]

    # A launcher sets the limit and execs conv-lint (no preexec_fn: JAX threads may live in this process).
    launcher = (
        "import os, resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n"
        "os.execv(sys.argv[1], sys.argv[1:])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", launcher, CONV_LINT, "fix", str(work)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot write: File too large; not changed" in result.stderr
    fixed = assert_each_file_whole(work, before, after)
    assert 0 < fixed < sum(before[name] != after[name] for name in before)  # small files fixed, large ones not


def test_read_only_files_are_not_replaced(tmp_path):
    path = tmp_path / "model.py"
    path.write_bytes(b"import numpy as np\ny = np.convolve(x, k)\n")
    path.chmod(0o444)
    result = run("conv-lint", "fix", str(path))
    assert result.returncode == 2
    assert f"{path}: cannot write: the file is read-only; not changed" in result.stderr
    assert path.read_bytes() == b"import numpy as np\ny = np.convolve(x, k)\n"
    os.chmod(path, 0o644)
