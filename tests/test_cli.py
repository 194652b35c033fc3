"""The real `conv-lint` and `flake8` executables, run as a user would."""

import json
import re
import subprocess

import pytest

from conftest import ROOT, run, write

KERAS = "import keras\nlayer = keras.layers.Conv1D(8, 3, padding='same', data_format='channels_last')\n"
# CNV002 and CNV003 remain on the call above.


def finding_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_exit_codes_clean_findings_and_usage(tmp_path):
    clean = write(tmp_path, "clean.py", "import keras\nkeras.layers.Dense(3)\n")
    flagged = write(tmp_path, "flagged.py", KERAS)
    assert run("conv-lint", "check", str(clean)).returncode == 0
    result = run("conv-lint", "check", str(flagged))
    assert result.returncode == 1
    assert finding_lines(result.stdout) == [
        f"{flagged}:2:9: CNV002 keras.layers.Conv1D relies on default kernel_initializer='glorot_uniform';"
        " flax.linen.Conv defaults to lecun_normal() — pass kernel_initializer= explicitly",
        f"{flagged}:2:9: CNV003 keras.layers.Conv1D relies on default bias_initializer='zeros';"
        " torch.nn.Conv1d defaults to U(-1/sqrt(fan_in), 1/sqrt(fan_in)) — pass bias_initializer= explicitly",
    ]
    assert run("conv-lint", "check", "--exit-zero", str(flagged)).returncode == 0
    usage = run("conv-lint", "check", "--select", "not a code", str(flagged))
    assert usage.returncode == 2 and "not a code" in usage.stderr and "Traceback" not in usage.stderr
    assert run("conv-lint", "check", str(tmp_path / "missing.py")).returncode == 2


def test_unparsable_file_is_reported_in_one_line_and_the_rest_is_checked(tmp_path):
    write(tmp_path, "a_broken.py", "import keras\ndef f(:\n    pass\n")
    write(tmp_path, "b_good.py", KERAS)
    result = run("conv-lint", "check", str(tmp_path))
    assert result.returncode == 2
    assert len(finding_lines(result.stdout)) == 2  # b_good.py was still checked
    error, summary = result.stderr.splitlines()
    assert error.startswith(f"conv-lint: error: {tmp_path / 'a_broken.py'}:2:") and "cannot parse" in error
    assert summary == "Found 2 findings (2 fixable with `conv-lint fix`, 0 with `--unsafe-fixes`)."
    assert "Traceback" not in result.stderr


def test_json_format(tmp_path):
    # A line length that keeps the pinned call on its line, so the fix is one insertion.
    write(tmp_path, "pyproject.toml", "[tool.ruff]\nline-length = 120\n")
    flagged = write(tmp_path, "flagged.py", KERAS)
    result = run("conv-lint", "check", "--format", "json", str(flagged))
    records = json.loads(result.stdout)
    assert [r["code"] for r in records] == ["CNV002", "CNV003"]
    assert records[0] | {"message": None} == {
        "path": str(flagged),
        "line": 2,
        "column": 9,
        "code": "CNV002",
        "message": None,
        "api": "keras.layers.Conv1D",
        "parameter": "kernel_initializer",
        "default": "'glorot_uniform'",
        "end_line": 2,
        "end_column": 79,
        "applicability": "safe",
        "name": "implicit-kernel-initializer",
        "docs": "conv-lint explain CNV002",
        "fix": {
            "applicability": "safe",
            "message": "Pin kernel_initializer='glorot_uniform' (the default in force today)",
            "edits": [
                {
                    "content": ", kernel_initializer='glorot_uniform'",
                    "location": {"row": 2, "column": 78},
                    "end_location": {"row": 2, "column": 78},
                }
            ],
        },
    }
    line = flagged.read_text().splitlines()[1]
    assert len(line) == 78 and line.endswith(")")  # the call ends just before column 79; the fix goes before ")"
    explained = run("conv-lint", *records[0]["docs"].split()[1:])  # the docs a record points to exist
    assert explained.returncode == 0 and explained.stdout.startswith("# CNV002")


def test_stdin_matches_flake8_stdin():
    source = (ROOT / "tests" / "data" / "mixed.py").read_text()
    ours = run("conv-lint", "check", "-", stdin=source)
    theirs = run("flake8", "--select", "CNV", "-", stdin=source)
    assert ours.returncode == theirs.returncode == 1
    assert finding_lines(ours.stdout) == finding_lines(theirs.stdout)
    assert finding_lines(ours.stdout)[0].startswith("stdin:")
    named = run("conv-lint", "check", "--stdin-filename", "model.py", "-", stdin=source)
    assert finding_lines(named.stdout)[0].startswith("model.py:")


@pytest.mark.parametrize(
    "select",
    [None, "CNV", "CNV001,CNV004", "CNV9", "CNV901", "CNV0"],
)
def test_select_and_noqa_agree_with_flake8(select):
    path = "tests/data/mixed.py"
    ours_args = ["conv-lint", "check", path] + (["--select", select] if select else [])
    # flake8 with no --select runs its own default codes too; keep only ours from its output.
    theirs_args = ["flake8", path] + (["--select", select] if select else ["--extend-select", "CNV"])
    ours = finding_lines(run(*ours_args).stdout)
    theirs = [line for line in finding_lines(run(*theirs_args).stdout) if ": CNV" in line]
    assert ours == theirs
    assert ours  # every selection here finds something


def test_opt_in_code_needs_a_precise_select():
    path = "tests/data/mixed.py"
    assert "CNV901" not in run("conv-lint", "check", path).stdout
    assert "CNV901" not in run("conv-lint", "check", "--select", "CNV", path).stdout
    assert "CNV901" in run("conv-lint", "check", "--select", "CNV9", path).stdout
    assert "CNV901" in run("conv-lint", "check", "--extend-select", "CNV901", path).stdout
    assert "CNV901" not in run("flake8", "--select", "CNV", path).stdout
    assert "CNV901" in run("flake8", "--select", "CNV901", path).stdout


def test_noqa_hides_findings_like_flake8():
    lines = finding_lines(run("conv-lint", "check", "tests/data/mixed.py").stdout)
    source = (ROOT / "tests" / "data" / "mixed.py").read_text().splitlines()
    for line in lines:
        number = int(line.split(":")[1])
        assert "noqa" not in source[number - 1].lower() or "noqa: CNV00" in source[number - 1]
    disabled = finding_lines(run("conv-lint", "check", "--disable-noqa", "tests/data/mixed.py").stdout)
    assert len(disabled) > len(lines)


def test_pyproject_configuration(tmp_path):
    write(tmp_path, "pyproject.toml", """
        [tool.conv-lint]
        ignore = ["CNV003"]
        extend-exclude = ["generated"]
        per-file-ignores = { "tests/*" = ["CNV002"] }
    """)
    write(tmp_path, "model.py", KERAS)
    write(tmp_path, "tests/test_model.py", KERAS)
    write(tmp_path, "generated/out.py", KERAS)
    write(tmp_path, ".venv/lib/site.py", KERAS)
    result = run("conv-lint", "check", ".", cwd=tmp_path)
    assert sorted(line.split(": ")[1].split()[0] + " " + line.split(":")[0] for line in finding_lines(result.stdout)) == [
        "CNV002 model.py"
    ]
    # A file named explicitly is checked even when a pattern excludes it (as ruff does).
    assert "generated/out.py" in run("conv-lint", "check", "generated/out.py", cwd=tmp_path).stdout


def test_configuration_errors_name_file_and_key(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.conv-lint]\nselekt = ['CNV']\n")
    write(tmp_path, "model.py", KERAS)
    result = run("conv-lint", "check", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "pyproject.toml" in result.stderr and "selekt" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_check_never_imports_tensorflow_jax_or_numpy():
    probe = (
        "import sys\n"
        "from conv_lint.cli import main\n"
        "code = main(['check', 'tests/data/mixed.py', '--exit-zero'])\n"
        "import conv_lint.flake8_plugin\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'tensorflow', 'jax', 'numpy', 'keras', 'flax', 'torch', 'scipy'})\n"
        "print('HEAVY', heavy)\n"
    )
    result = run("python", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "HEAVY []"


def test_rules_and_explain():
    table = run("conv-lint", "rules")
    assert table.returncode == 0
    for code in ("CNV001", "CNV002", "CNV003", "CNV004", "CNV005", "CNV901"):
        assert code in table.stdout
    explain = run("conv-lint", "explain", "cnv001")
    assert explain.returncode == 0 and "## Why is this bad?" in explain.stdout and "flax.linen.Conv" in explain.stdout
    assert run("conv-lint", "explain", "CNV777").returncode == 2


def test_readme_rules_table_is_generated():
    readme = (ROOT / "README.md").read_text()
    table = run("conv-lint", "rules", "--format", "markdown").stdout
    assert table in readme


def test_concise_is_the_text_format(tmp_path):
    path = write(tmp_path, "model.py", KERAS)
    text, concise = (run("conv-lint", "check", "--no-cache", "--format", name, str(path)) for name in ("text", "concise"))
    assert concise.returncode == text.returncode == 1 and concise.stdout == text.stdout
    assert concise.stdout.startswith(f"{path}:2:9: CNV002 ")


def test_every_option_of_every_command_is_in_the_readme():
    """A feature not in the README does not exist for users (argparse puts each in --help)."""
    import argparse

    from conv_lint.cli import build_parser

    readme = (ROOT / "README.md").read_text()
    (commands,) = [action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction)]
    missing = [
        f"conv-lint {name} {option}"
        for name, parser in commands.choices.items()
        for action in parser._actions
        for option in action.option_strings
        if option not in ("-h", "--help") and not re.search(rf"{re.escape(option)}(?![\w-])", readme)
    ]
    missing += [f"conv-lint {name}" for name in commands.choices if f"conv-lint {name}" not in readme]
    assert not missing and len(commands.choices) >= 6


def test_python_dash_m_entry_point():
    result = run("python", "-m", "conv_lint", "--version")
    assert result.returncode == 0 and result.stdout.startswith("conv-lint ")


def test_github_format_writes_escaped_workflow_annotations(tmp_path):
    path = write(tmp_path, "model, v2.py", KERAS)
    result = run("conv-lint", "check", "--format", "github", str(path))
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    escaped = str(path).replace(",", "%2C").replace(":", "%3A")
    assert first.startswith(f"::warning file={escaped},line=2,col=9,title=CNV002::CNV002 keras.layers.Conv1D relies")
    assert "\n" not in first and first.count("::") == 2


def test_statistics_count_findings_per_code(tmp_path):
    write(tmp_path, "a.py", KERAS)
    write(tmp_path, "b.py", KERAS + "import numpy as np\nnp.convolve(x, k)\n")
    result = run("conv-lint", "check", "--statistics", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "     2  CNV002  implicit-kernel-initializer",
        "     2  CNV003  implicit-bias-initializer",
        "     1  CNV005  implicit-convolve-mode",
    ]


def test_show_settings_reflects_file_and_command_line(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.conv-lint]\nignore = ["CNV003"]\nper-file-ignores = { "tests/*" = ["CNV002"] }\n')
    result = run("conv-lint", "check", "--show-settings", "--extend-select", "CNV901", cwd=tmp_path)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert f"configuration = {tmp_path / 'pyproject.toml'}" in lines
    assert "select = CNV" in lines and "extend-select = CNV901" in lines and "ignore = CNV003" in lines
    assert "per-file-ignores = tests/* = CNV002" in lines


def test_gitignored_files_are_skipped_when_walking_folders(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, ".gitignore", "generated/\nscratch.py\n")
    for name in ("model.py", "scratch.py", "generated/out.py"):
        write(tmp_path, name, KERAS)
    walked = {line.split(":")[0] for line in finding_lines(run("conv-lint", "check", ".", cwd=tmp_path).stdout)}
    assert walked == {"model.py"}
    everything = run("conv-lint", "check", "--no-respect-gitignore", ".", cwd=tmp_path).stdout
    assert {line.split(":")[0] for line in finding_lines(everything)} == {"model.py", "scratch.py", "generated/out.py"}
    # Named on the command line, an ignored file is checked all the same.
    assert "scratch.py:" in run("conv-lint", "check", "scratch.py", cwd=tmp_path).stdout
    write(tmp_path, "pyproject.toml", "[tool.conv-lint]\nrespect-gitignore = false\n")
    configured = run("conv-lint", "check", ".", cwd=tmp_path).stdout
    assert {line.split(":")[0] for line in finding_lines(configured)} == {"model.py", "scratch.py", "generated/out.py"}
    # A folder that git ignores, named on the command line, is checked whole.
    assert "generated/out.py:" in run("conv-lint", "check", "generated", cwd=tmp_path).stdout
