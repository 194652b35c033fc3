"""Bad input, generated here: every front end gives one clear line per bad file, never a
traceback, exits with the documented code, and still processes the other files."""

import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import run

CONV = b"import numpy as np\ny = np.convolve(x, k)\n"

# name -> (content or a marker, whether conv-lint can read and parse it)
TEXT_CASES = {
    "syntax_error.py": (b"import numpy as np\ndef f(:\n    np.convolve(x, k)\n", False),
    "python2_print.py": (b"import numpy as np\nprint 'hello'\nnp.convolve(x, k)\n", False),
    "nul_byte.py": (b"import numpy as np\x00\nnp.convolve(x, k)\n", False),
    "binary.py": (bytes(range(256)) * 64, False),
    "invalid_utf8.py": (b"import numpy as np\ns = '\xff\xfe'\nnp.convolve(x, k)\n", False),
    "deep_parentheses.py": (b"import numpy as np\nx = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n", False),
    "deep_unary.py": (b"import numpy as np\nx = " + b"-" * 200_000 + b"1\nnp.convolve(x, k)\n", False),
    "bom.py": (b"\xef\xbb\xbf" + CONV, True),
    "latin1_cookie.py": (b"# -*- coding: latin-1 -*-\ns = '\xe9'\n" + CONV, True),
    "crlf.py": (CONV.replace(b"\n", b"\r\n"), True),
    "mixed_endings.py": (b"import numpy as np\r\nz = 1\ny = np.convolve(x, k)\r\n", True),
    "tabs.py": (b"import numpy as np\nif True:\n\ty = np.convolve(x, k)\n", True),
    "empty.py": (b"", True),
    "many_arguments.py": (
        b"import numpy as np\nnp.convolve(x, k, " + b", ".join(b"a%d=1" % i for i in range(10_000)) + b")\n",
        True,
    ),
    "deep_lists.py": (b"import numpy as np\nx = " + b"[" * 90 + b"]" * 90 + b"\n" + CONV, True),
}
BIG = "big_generated.py"  # 5 MB of code with one finding at the end


def make_corpus(folder: Path) -> dict[str, bool]:
    """Write the bad-input corpus; returns name -> readable and parseable."""
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for name, (content, ok) in TEXT_CASES.items():
        (folder / name).write_bytes(content)
        expected[name] = ok
    # Generated files are mostly data: a 5 MB table in one string, then code.
    table = b"".join(b"    '%08d some generated payload that makes this file large enough',\n" % i for i in range(70_000))
    (folder / BIG).write_bytes(b"TABLE = [\n" + table + b"]\n" + CONV)
    expected[BIG] = True
    (folder / "symlink_loop.py").symlink_to(folder / "symlink_loop.py")
    expected["symlink_loop.py"] = False
    (folder / "deleted_during_run.py").symlink_to(folder / "no_longer_there.py")  # as if removed after listing
    expected["deleted_during_run.py"] = False
    if Path("/proc/self/mem").exists():
        # Readable by name, failing on read (EIO) even for root, who can read any chmod 000 file.
        (folder / "unreadable.py").symlink_to("/proc/self/mem")
        expected["unreadable.py"] = False
    (folder / "directory.py").mkdir()
    (folder / "directory.py" / "inside.py").write_bytes(CONV)
    expected["directory.py/inside.py"] = True
    (folder / "zz_good.py").write_bytes(CONV)
    expected["zz_good.py"] = True
    return expected


@pytest.fixture(scope="module")
def corpus():
    folder = Path(tempfile.mkdtemp(prefix="conv-lint-bad-input-"))
    expected = make_corpus(folder / "corpus")
    yield folder / "corpus", expected
    shutil.rmtree(folder, ignore_errors=True)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("conv-lint: error: ")]


@pytest.mark.parametrize("command", [("check",), ("fix", "--diff"), ("fix", "--check")])
def test_whole_corpus_one_line_per_bad_file(corpus, command):
    folder, expected = corpus
    result = run("conv-lint", *command, str(folder))
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == 2
    errors = error_lines(result.stderr)
    bad = sorted(name for name, ok in expected.items() if not ok)
    for name in bad:
        assert len([line for line in errors if f"{folder / name}:" in line]) == 1, (name, errors)
    assert len(errors) == len(bad)
    # The good files were all processed: each has its np.convolve finding or diff.
    if command != ("fix", "--check"):  # --check prints nothing but errors
        for name, ok in expected.items():
            if ok and name != "empty.py":
                assert str(folder / name) in result.stdout, name


@pytest.mark.parametrize("name", sorted({*TEXT_CASES, BIG}))
def test_each_file_alone(corpus, name):
    folder, expected = corpus
    path = folder / name
    check = run("conv-lint", "check", "--quiet", str(path))
    assert "Traceback" not in check.stderr
    if expected[name]:
        assert check.returncode == (0 if name == "empty.py" else 1), check.stderr
        assert check.stderr == ""
    else:
        assert check.returncode == 2
        (line,) = check.stderr.splitlines()
        assert line.startswith(f"conv-lint: error: {path}:") and ("cannot parse" in line or "cannot analyze" in line)


def test_fix_writes_the_good_files_and_leaves_the_bad_ones(tmp_path):
    expected = make_corpus(tmp_path / "corpus")
    folder = tmp_path / "corpus"
    before = {name: (folder / name).read_bytes() for name in TEXT_CASES}
    result = run("conv-lint", "fix", str(folder))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    for name, (_, ok) in TEXT_CASES.items():
        after = (folder / name).read_bytes()
        if not ok:
            assert after == before[name], name
        elif b"np.convolve(x, k)" in before[name]:
            assert b"mode=" in after and after.count(b"\n") == before[name].count(b"\n"), name
    assert b"mode=" in (folder / BIG).read_bytes()[-200:]
    assert (folder / BIG).stat().st_size > 5_000_000
    assert (folder / "symlink_loop.py").is_symlink()


def test_flake8_plugin_survives_the_corpus(corpus):
    folder, _ = corpus
    # flake8 itself dies on 200,000 nested unary minuses (MemoryError in its own ast.parse,
    # before any plugin runs), so that one file is left to conv-lint's own front ends.
    result = run("flake8", "--select", "CNV,E9", "--extend-exclude", "deep_unary.py", str(folder))
    assert "Traceback" not in result.stderr
    assert f"{folder / 'zz_good.py'}:2:5: CNV005" in result.stdout
    assert f"{folder / BIG}:" in result.stdout


def test_empty_stdin():
    for command in (("check", "-"), ("fix", "-"), ("fix", "--diff", "-")):
        result = run("conv-lint", *command, stdin=b"")
        assert result.returncode == 0 and result.stdout == "" and "Traceback" not in result.stderr
    assert run("flake8", "--select", "CNV", "-", stdin=b"").returncode == 0


def test_fix_gives_back_stdin_that_does_not_parse():
    # An editor replaces its buffer with what `fix -` prints: a buffer mid-edit must come back whole.
    broken = "import numpy as np\ndef f(:\n    return np.convolve(x, k)\n"
    result = run("conv-lint", "fix", "-", stdin=broken)
    assert result.returncode == 2 and result.stdout == broken
    assert "stdin:2:7: cannot parse" in result.stderr and "Traceback" not in result.stderr
    assert run("conv-lint", "fix", "--diff", "-", stdin=broken).stdout == ""
