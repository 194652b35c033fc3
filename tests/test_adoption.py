"""Adopting conv-lint on an existing codebase, through the real front ends: exclusions that hold
for files pre-commit names, typos that fail loudly, a noqa baseline, check's summary and options."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run, write

CONVOLVE = "import numpy as np\ny = np.convolve(x, k)\n"


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


def test_force_exclude_applies_to_the_stdin_filename(tmp_path):
    # Editors pipe every buffer with --stdin-filename: an excluded one gets no findings, and fix gives it
    # back unchanged (as ruff does), since the editor replaces the buffer with what fix prints.
    write(tmp_path, "pyproject.toml", '[tool.conv-lint]\nextend-exclude = ["gen"]\nforce-exclude = true\n')
    checked = run("conv-lint", "check", "--no-cache", "--stdin-filename", "gen/model.py", "-", stdin=CONVOLVE, cwd=tmp_path)
    assert (checked.returncode, checked.stdout) == (0, "")
    fixed = run("conv-lint", "fix", "--stdin-filename", "gen/model.py", "-", stdin=CONVOLVE, cwd=tmp_path)
    assert (fixed.returncode, fixed.stdout) == (0, CONVOLVE)
    kept = run("conv-lint", "check", "--no-cache", "--stdin-filename", "model.py", "-", stdin=CONVOLVE, cwd=tmp_path)
    assert kept.returncode == 1 and "model.py:2:5: CNV005" in kept.stdout
    unforced = ["--no-force-exclude", "--stdin-filename", "gen/model.py", "-"]
    assert run("conv-lint", "check", "--no-cache", *unforced, stdin=CONVOLVE, cwd=tmp_path).returncode == 1
    assert 'mode="full"' in run("conv-lint", "fix", *unforced, stdin=CONVOLVE, cwd=tmp_path).stdout


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


KERAS_CALLS = '''\
import keras
a = keras.layers.Conv1D(8, 3, padding="same", data_format="channels_last")  # keep: a comment
b = keras.layers.Conv1D(  # noqa: E501
    8,
    3,
)
c = keras.layers.Conv1D(8, 3, padding="same", kernel_initializer="he_normal", data_format="channels_last")  # noqa: CNV003
d = [keras.layers.Conv1D(8, 3, padding="same", data_format="channels_last", name="""first
second"""), 1]
'''


def test_add_noqa_marks_every_finding_once_and_keeps_the_file(tmp_path):
    path = tmp_path / "model.py"
    original = KERAS_CALLS.replace("\n", "\r\n").encode()
    path.write_bytes(original)
    before = run("conv-lint", "check", "--no-cache", "--quiet", str(path))
    assert before.returncode == 1 and len(before.stdout.splitlines()) == 8
    added = run("conv-lint", "check", "--no-cache", "--add-noqa", str(path))
    assert (added.returncode, added.stdout) == (0, "")
    assert added.stderr == "Added 3 noqa directives in 1 file.\n"
    assert path.read_bytes().decode().split("\r\n") == [
        "import keras",
        'a = keras.layers.Conv1D(8, 3, padding="same", data_format="channels_last")  # keep: a comment  # noqa: CNV002, CNV003',
        "b = keras.layers.Conv1D(  # noqa: E501, CNV001, CNV002, CNV003, CNV004",
        "    8,",
        "    3,",
        ")",
        'c = keras.layers.Conv1D(8, 3, padding="same", kernel_initializer="he_normal", data_format="channels_last")  # noqa: CNV003',
        'd = [keras.layers.Conv1D(8, 3, padding="same", data_format="channels_last", name="""first',
        'second"""), 1]  # noqa: CNV002, CNV003',  # a string's lines cannot take a comment: after its last one
        "",
    ]
    after = run("conv-lint", "check", "--no-cache", str(path))
    assert (after.returncode, after.stdout, after.stderr) == (0, "", "")
    flake8 = run("flake8", "--select", "CNV", str(path))  # the same comments hide them from flake8
    assert (flake8.returncode, flake8.stdout) == (0, "")
    marked = path.read_bytes()
    again = run("conv-lint", "check", "--no-cache", "--add-noqa", str(path))
    assert again.returncode == 0 and again.stderr == "Added 0 noqa directives in 0 files.\n"
    assert path.read_bytes() == marked


def test_add_noqa_keeps_the_encoding_and_leaves_other_files_alone(tmp_path):
    latin = tmp_path / "latin.py"
    latin.write_bytes("# -*- coding: latin-1 -*-\nimport numpy as np\ny = np.convolve(x, k)  # d\xe9j\xe0\n".encode("latin-1"))
    clean = tmp_path / "clean.py"
    clean.write_text("x = 1\n")
    stamp = clean.stat().st_mtime_ns
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    result = run("conv-lint", "check", "--no-cache", "--add-noqa", str(tmp_path))
    assert result.returncode == 2  # the broken file is reported; the others are marked
    assert f"conv-lint: error: {broken}:1:" in result.stderr and "Traceback" not in result.stderr
    assert latin.read_bytes().decode("latin-1").endswith("y = np.convolve(x, k)  # d\xe9j\xe0  # noqa: CNV005\n")
    assert clean.stat().st_mtime_ns == stamp
    assert run("conv-lint", "check", "--no-cache", str(latin)).returncode == 0


def test_check_fix_fixes_then_reports_what_remains_with_a_summary(tmp_path):
    # A line length that keeps the pinned call on its line (fix splits what it pushes past it).
    write(tmp_path, "pyproject.toml", "[tool.ruff]\nline-length = 120\n")
    path = write(tmp_path, "model.py", "import keras\nlayer = keras.layers.Conv1D(8, 3)\nw = keras.layers.Conv1D(8, 3, **options)\n")
    before = run("conv-lint", "check", "--no-cache", str(path))
    assert before.returncode == 1
    assert before.stderr == "Found 4 findings (3 fixable with `conv-lint fix`, 1 with `--unsafe-fixes`).\n"
    fixed = run("conv-lint", "check", "--no-cache", "--fix", str(path))
    assert fixed.returncode == 1
    assert path.read_text().splitlines()[1] == (
        'layer = keras.layers.Conv1D(8, 3, padding="valid", kernel_initializer="glorot_uniform", bias_initializer="zeros")'
    )
    assert fixed.stdout == f"{path}:2:9: CNV004 {fixed.stdout.split(' CNV004 ')[1]}"
    assert fixed.stderr == "Fixed 3 findings in 1 file.\nFound 1 finding (0 fixable with `conv-lint fix`, 1 with `--unsafe-fixes`).\n"
    unsafe = run("conv-lint", "check", "--no-cache", "--fix", "--unsafe-fixes", str(path))
    assert (unsafe.returncode, unsafe.stdout, unsafe.stderr) == (0, "", "Fixed 1 finding in 1 file.\n")
    assert 'data_format="channels_last"' in path.read_text()
    quiet = run("conv-lint", "check", "--no-cache", "--quiet", str(write(tmp_path, "other.py", CONVOLVE)))
    assert quiet.returncode == 1 and quiet.stdout and quiet.stderr == ""


def test_output_file_and_show_source(tmp_path):
    path = write(tmp_path, "model.py", "import numpy as np\n\tif True:\n\t\ty = np.convolve(x, k)\n".replace("\tif True:\n\t\t", ""))
    path.write_text("import numpy as np\nif True:\n\ty = np.convolve(x, k)\n")
    report = tmp_path / "out" / "report.txt"
    report.parent.mkdir()
    result = run("conv-lint", "check", "--no-cache", "--show-source", "--output-file", str(report), str(path))
    assert result.returncode == 1 and result.stdout == "" and result.stderr.startswith("Found 1 finding")
    lines = report.read_text().splitlines()
    assert lines[0].startswith(f"{path}:3:6: CNV005 ")
    assert lines[1:] == ["\ty = np.convolve(x, k)", "\t    ^"]
    unwritable = run("conv-lint", "check", "--no-cache", "-o", str(tmp_path / "missing" / "r.txt"), str(path))
    assert unwritable.returncode == 2 and "--output-file" in unwritable.stderr and "Traceback" not in unwritable.stderr


def test_the_summary_counts_what_fix_fixes():
    """The summary's fixable counts come from the analysis (no fixer run): they must be the fixer's."""
    import re

    summary = run("conv-lint", "check", "--no-cache", "fixtures/").stderr.splitlines()[-1]
    found = re.fullmatch(r"Found (\d+) findings \((\d+) fixable with `conv-lint fix`, (\d+) with `--unsafe-fixes`\)\.", summary)
    assert found, summary
    total, safe, unsafe = map(int, found.groups())

    def fixed(*options: str) -> int:
        return int(re.search(r"would fix (\d+) finding", run("conv-lint", "fix", "--diff", *options, "fixtures/").stderr).group(1))

    assert (safe, unsafe) == (fixed(), fixed("--unsafe-fixes") - fixed()) and safe > 100 and unsafe > 10 and total > safe + unsafe


def test_statistics_json_and_github_error_annotations(tmp_path):
    import json

    write(tmp_path, "a.py", "import keras\nlayer = keras.layers.Conv1D(8, 3)\n")
    write(tmp_path, "b.py", CONVOLVE)
    broken = write(tmp_path, "c.py", "x = (\n")
    stats = run("conv-lint", "check", "--no-cache", "--statistics", "--format", "json", str(tmp_path))
    assert stats.returncode == 2 and json.loads(stats.stdout)[:2] == [
        {"code": "CNV001", "name": "implicit-padding", "count": 1},
        {"code": "CNV002", "name": "implicit-kernel-initializer", "count": 1},
    ]
    github = run("conv-lint", "check", "--no-cache", "--format", "github", str(tmp_path))
    assert github.returncode == 2
    error = github.stdout.splitlines()[-1]
    escaped = str(broken).replace(":", "%3A").replace(",", "%2C")
    assert error.startswith(f"::error file={escaped},line=1,col=5,title=conv-lint::cannot parse: ")
    assert github.stderr.startswith(f"conv-lint: error: {broken}:1:5: cannot parse")


def test_the_readme_pre_commit_recipe_works(tmp_path):
    """The `repo: local` block of the README, as a user pastes it, run by the real pre-commit."""
    import re

    readme = (ROOT / "README.md").read_text()
    (recipe,) = [block for block in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "repo: local" in block]
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    write(repo, ".pre-commit-config.yaml", recipe)
    write(repo, "pyproject.toml", '[tool.conv-lint]\nextend-exclude = ["gen"]\n')
    generated = write(repo, "gen/layers.py", CONVOLVE)
    write(repo, "model.py", CONVOLVE)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    environment = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",  # conv-lint installed, as the README asks
    }

    def hook(name: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(Path(sys.executable).parent / "pre-commit"), "run", name], cwd=repo, env=environment, capture_output=True, text=True, timeout=300
        )

    check = hook("conv-lint")
    assert check.returncode == 1 and "model.py:2:5: CNV005" in check.stdout and "gen/" not in check.stdout, check.stdout
    fix = hook("conv-lint-fix")
    assert fix.returncode == 1, fix.stdout
    assert (repo / "model.py").read_text() == 'import numpy as np\ny = np.convolve(x, k, mode="full")\n'
    assert generated.read_text() == CONVOLVE
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    assert hook("conv-lint").returncode == 0
