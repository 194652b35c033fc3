"""Adopting conv-lint on an existing codebase, through the real front ends: exclusions that hold
for files pre-commit names, typos that fail loudly, a noqa baseline, check's summary and options."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, run

CONVOLVE = "import numpy as np\ny = np.convolve(x, k)\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_force_exclude_applies_exclusions_to_named_files(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.conv-lint]\nextend-exclude = ["gen"]\n')
    write(tmp_path, "gen/model.py", CONVOLVE)
    write(tmp_path, "model.py", CONVOLVE)
    named = run("conv-lint", "check", "--no-cache", "gen/model.py", "model.py", cwd=tmp_path)
    assert named.returncode == 1 and "gen/model.py" in named.stdout  # named files are checked by default
    forced = run("conv-lint", "check", "--no-cache", "--force-exclude", "gen/model.py", "model.py", cwd=tmp_path)
    assert forced.returncode == 1 and "gen/model.py" not in forced.stdout and "model.py:2:5: CNV005" in forced.stdout
    write(tmp_path, "pyproject.toml", '[tool.conv-lint]\nextend-exclude = ["gen"]\nforce-exclude = true\n')
    configured = run("conv-lint", "check", "--no-cache", "gen/model.py", cwd=tmp_path)
    assert (configured.returncode, configured.stdout) == (0, "")
    assert run("conv-lint", "check", "--no-cache", "--no-force-exclude", "gen/model.py", cwd=tmp_path).returncode == 1
    extended = run("conv-lint", "check", "--no-cache", "--extend-exclude", "other,model.py", "model.py", cwd=tmp_path)
    assert (extended.returncode, extended.stdout) == (0, "")
    shown = run("conv-lint", "check", "--show-settings", "--extend-exclude", "x", cwd=tmp_path).stdout
    assert "extend-exclude = gen, x\n" in shown and "force-exclude = true\n" in shown


def test_pre_commit_fix_hook_leaves_an_excluded_staged_file_alone(tmp_path):
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    write(repo, "pyproject.toml", '[tool.conv-lint]\nextend-exclude = ["gen"]\n')
    generated = write(repo, "gen/layers.py", CONVOLVE)
    write(repo, "model.py", CONVOLVE)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    environment = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    hook = subprocess.run(
        [str(Path(sys.executable).parent / "pre-commit"), "try-repo", str(ROOT), "conv-lint-fix"],  # the staged files
        cwd=repo, env=environment, capture_output=True, text=True, timeout=600,
    )
    assert hook.returncode == 1, hook.stdout + hook.stderr  # it fixed model.py
    assert (repo / "model.py").read_text() == 'import numpy as np\ny = np.convolve(x, k, mode="full")\n'
    assert generated.read_text() == CONVOLVE


@pytest.mark.parametrize(
    ("options", "config", "named"),
    [
        (("--select", "CVN001"), None, "--select: unknown code or prefix 'CVN001'"),
        (("--extend-select", "CNV9,CNV77"), None, "--extend-select: unknown code or prefix 'CNV77'"),
        (("--ignore", "E501"), None, "--ignore: unknown code or prefix 'E501'"),
        ((), 'select = ["XYZ"]', "[tool.conv-lint] select: unknown code or prefix 'XYZ'"),
        ((), 'per-file-ignores = { "tests/*" = ["CNV0003"] }', "is not a code or code prefix"),
    ],
)
def test_an_unknown_code_is_an_error_naming_the_key(tmp_path, options, config, named):
    write(tmp_path, "pyproject.toml", f"[tool.conv-lint]\n{config or ''}\n")
    write(tmp_path, "model.py", CONVOLVE)
    for command in ("check", "fix"):
        result = run("conv-lint", command, "--no-cache" if command == "check" else "--diff", *options, "model.py", cwd=tmp_path)
        assert result.returncode == 2 and result.stdout == ""
        (line,) = result.stderr.splitlines()
        assert line.startswith("conv-lint: error: ") and named in line


def test_prefixes_of_real_codes_are_accepted(tmp_path):
    write(tmp_path, "model.py", CONVOLVE)
    for prefix in ("C", "CNV", "CNV0", "CNV00", "CNV005", "CNV9", "CNV999"):
        result = run("conv-lint", "check", "--no-cache", "--select", prefix, "model.py", cwd=tmp_path)
        assert result.returncode in (0, 1) and "error" not in result.stderr, prefix


def test_a_misspelt_table_gets_a_hint_naming_the_right_one(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.conv_lint]\nselect = ["CNV001"]\n')
    write(tmp_path, "model.py", CONVOLVE)
    result = run("conv-lint", "check", "--no-cache", "model.py", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line == f"conv-lint: error: {tmp_path / 'pyproject.toml'}: [tool.conv_lint] is not read: the table is [tool.conv-lint]"
