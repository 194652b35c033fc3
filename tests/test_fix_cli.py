"""`conv-lint fix` as a command: its cache options, which stream says what, and its diff headers."""

import subprocess
from pathlib import Path

from conftest import run

FLAGGED = "import numpy as np\ny = np.convolve(x, k)\n"
# CNV004: the spatial rank is not written in the call, so there is nothing safe to pin.
UNFIXABLE = "from jax import lax\ny = lax.conv_general_dilated(x, w, strides, 'SAME')\n"
CLEAN = "import numpy as np\ny = np.convolve(x, k, mode='valid')\n"


def project(tmp_path: Path) -> Path:
    """A project with a configuration, so the default cache folder is beside it."""
    (tmp_path / "pyproject.toml").write_text("[tool.conv-lint]\n")
    src = tmp_path / "src"
    src.mkdir()
    (src / "flagged.py").write_text(FLAGGED)
    (src / "unfixable.py").write_text(UNFIXABLE)
    (src / "clean.py").write_text(CLEAN)
    return src


def test_fix_reads_and_writes_checks_cache_as_check_does(tmp_path):
    project(tmp_path)
    cache = tmp_path / "elsewhere"
    cold = run("conv-lint", "fix", "--diff", "--cache-dir", str(cache), "src", cwd=tmp_path)
    assert list(cache.glob("*.json")), "fix --cache-dir wrote no cache"
    warm = run("conv-lint", "fix", "--diff", "--cache-dir", str(cache), "src", cwd=tmp_path)
    uncached = run("conv-lint", "fix", "--diff", "--no-cache", "src", cwd=tmp_path)
    assert not (tmp_path / ".conv-lint-cache").exists()
    outputs = {(r.returncode, r.stdout, r.stderr) for r in (cold, warm, uncached)}
    assert len(outputs) == 1, outputs
    assert "+y = np.convolve(x, k, mode=\"full\")" in cold.stdout and "not fixed" in cold.stderr
    # Without the options, fix keeps check's cache where check keeps it.
    run("conv-lint", "fix", "--check", "src", cwd=tmp_path)
    assert list((tmp_path / ".conv-lint-cache").glob("*.json"))


def test_a_cached_result_of_an_edited_file_is_not_used(tmp_path):
    src = project(tmp_path)
    assert run("conv-lint", "check", "src", cwd=tmp_path).returncode == 1  # fills the cache
    (src / "clean.py").write_text(FLAGGED)
    result = run("conv-lint", "fix", "src", cwd=tmp_path)
    assert (src / "clean.py").read_text() == 'import numpy as np\ny = np.convolve(x, k, mode="full")\n'
    assert "fixed 2 finding(s) in 2 file(s)" in result.stderr


def test_not_fixed_lines_go_to_stderr_after_the_diff(tmp_path):
    project(tmp_path)
    result = run("conv-lint", "fix", "--diff", "--no-cache", "src", cwd=tmp_path)
    assert result.returncode == 1
    # stdout is the diff and nothing else: git applies it as it is.
    assert result.stdout.startswith("--- a/src/flagged.py\n+++ b/src/flagged.py\n@@ ")
    assert "not fixed" not in result.stdout
    applied = subprocess.run(["git", "apply", "-p1", "-"], input=result.stdout, text=True, cwd=tmp_path, capture_output=True)
    assert applied.returncode == 0, applied.stderr
    assert (tmp_path / "src" / "flagged.py").read_text() == 'import numpy as np\ny = np.convolve(x, k, mode="full")\n'
    stderr = result.stderr.splitlines()
    assert stderr[0].startswith("src/unfixable.py:2:5: CNV004 not fixed: the spatial rank is not written in the call")
    assert stderr[-1].startswith("conv-lint: would fix 1 finding(s) in 1 file(s); 1 left")


def test_diff_headers_of_an_absolute_path_have_no_doubled_slash(tmp_path):
    src = project(tmp_path)
    path = (src / "flagged.py").resolve()
    result = run("conv-lint", "fix", "--diff", "--no-cache", str(path), cwd=tmp_path)
    relative = str(path).lstrip("/")
    assert result.stdout.startswith(f"--- a/{relative}\n+++ b/{relative}\n@@ "), result.stdout
    # Applied from the file system's root, as git would with an absolute path.
    applied = subprocess.run(["patch", "-p1", "-d", "/"], input=result.stdout, text=True, capture_output=True)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert 'mode="full"' in path.read_text()
