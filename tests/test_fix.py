"""`conv-lint fix`, run for real on copies of files: what it changes, and what it must never change."""

import importlib.util
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from astdiff import only_keywords_added
from conftest import FIXTURES, ROOT, run
from conv_lint.config import Settings
from conv_lint.atomic_write import FileChangedError, write_atomic
from conv_lint.fix import fix_source

PINNABLE_CODES = ("CNV001", "CNV002", "CNV003", "CNV004", "CNV005")


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.txt", "__pycache__"))
    return target


def findings(path: Path, *options: str) -> list[str]:
    result = run("conv-lint", "check", *options, str(path))
    return [line for line in result.stdout.splitlines() if line.strip()]


def long_lines(folder: Path) -> None:
    """A ruff configuration whose line length keeps every call of a test on one line, so the test
    reads as the values fix writes (tests/test_fix_format.py is about where it writes them)."""
    (folder / "pyproject.toml").write_text("[tool.ruff]\nline-length = 200\n")


def _file_and_code(location_and_code: str) -> tuple[str, str]:
    location, code = location_and_code.split(" ")
    return location.split(":")[0], code


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if p.parent.name != "bad")


def test_fix_on_fixtures_leaves_no_fixable_finding_and_only_adds_keywords(tmp_path):
    tree = copy_tree(FIXTURES, tmp_path / "fixtures")
    shutil.rmtree(tree / "bad")
    originals = {path: path.read_text() for path in python_files(tree)}
    before = findings(tree)
    result = run("conv-lint", "fix", str(tree))
    assert result.returncode in (0, 1), result.stderr
    after = findings(tree)
    assert len(after) < len(before)
    # What is left is exactly what fix said it could not fix safely (by file and code: a call
    # that fix split over several lines moves what follows it).
    not_fixed = Counter(_file_and_code(line.split(" not fixed: ")[0]) for line in result.stderr.splitlines() if " not fixed: " in line)
    assert Counter(_file_and_code(" ".join(line.split(" ")[:2])) for line in after) == not_fixed
    changed = 0
    for path, text in originals.items():
        new = path.read_text()
        assert only_keywords_added(text, new) == [], path
        changed += new != text
    assert changed >= 5
    # Idempotent: a second run changes nothing.
    second = run("conv-lint", "fix", "--check", str(tree))
    assert second.returncode == 0, second.stdout
    assert {path: path.read_text() for path in python_files(tree)} == {p: p.read_text() for p in originals}


def test_unsafe_fixes_pin_keras_data_format(tmp_path):
    long_lines(tmp_path)
    path = tmp_path / "model.py"
    path.write_text("import keras\nlayer = keras.layers.Conv1D(8, 3)\n")
    run("conv-lint", "fix", str(path))
    assert "data_format" not in path.read_text()
    assert run("conv-lint", "fix", "--unsafe-fixes", str(path)).returncode == 0
    assert path.read_text() == (
        "import keras\nlayer = keras.layers.Conv1D(8, 3, padding=\"valid\", kernel_initializer=\"glorot_uniform\","
        " bias_initializer=\"zeros\", data_format=\"channels_last\")\n"
    )
    assert findings(path) == []


def test_the_fix_writes_values_as_the_framework_users_do(tmp_path):
    long_lines(tmp_path)
    path = tmp_path / "model.py"
    path.write_text(
        textwrap.dedent(
            """\
            import flax.linen as nn
            from flax.linen import Conv
            from jax import lax
            import haiku as hk

            a = nn.Conv(4, 3)
            b = Conv(4, 3)
            y = lax.conv_general_dilated(x, w, (1, 1), 'SAME')
            h = hk.Conv1D(4, 3, w_init=w)
            """
        )
    )
    run("conv-lint", "fix", str(path))
    assert path.read_text() == textwrap.dedent(
        """\
        import flax.linen as nn
        from flax.linen import Conv
        from jax import lax
        import haiku as hk

        a = nn.Conv(4, 3, padding='SAME', kernel_init=nn.initializers.lecun_normal(), bias_init=nn.initializers.zeros)
        b = Conv(4, 3, padding='SAME', kernel_init=nn.initializers.lecun_normal(), bias_init=nn.initializers.zeros)
        y = lax.conv_general_dilated(x, w, (1, 1), 'SAME', dimension_numbers=('NCHW', 'OIHW', 'NCHW'))
        h = hk.Conv1D(4, 3, w_init=w, padding='SAME', b_init=hk.initializers.Constant(0.0), data_format='NWC')
        """
    )


def test_an_import_is_added_only_when_the_file_has_no_alias(tmp_path):
    long_lines(tmp_path)
    path = tmp_path / "model.py"
    path.write_text("from flax.linen import Conv\n\nconv = Conv(4, 3, padding='SAME')\n")
    run("conv-lint", "fix", str(path))
    assert path.read_text() == (
        "from flax.linen import initializers, Conv\n\n"
        "conv = Conv(4, 3, padding='SAME', kernel_init=initializers.lecun_normal(), bias_init=initializers.zeros)\n"
    )


def test_the_pin_uses_the_shortest_name_the_file_has_for_the_initializers(tmp_path):
    """`import flax` beside `import flax.linen as nn`: the pin says `nn.initializers`, however the
    conv itself is reached (a module-level name that sorts first, `flax`, used to win)."""
    long_lines(tmp_path)
    path = tmp_path / "model.py"
    head = "import flax\nimport flax.linen as nn\nfrom flax.linen import Conv\n\n"
    path.write_text(head + "a = Conv(4, 3)\nb = flax.linen.Conv(4, 3)\n")
    run("conv-lint", "fix", str(path))
    pins = "padding='SAME', kernel_init=nn.initializers.lecun_normal(), bias_init=nn.initializers.zeros"
    assert path.read_text() == head + f"a = Conv(4, 3, {pins})\nb = flax.linen.Conv(4, 3, {pins})\n".replace("'", '"')


def test_calls_that_cannot_be_pinned_are_left_alone_and_explained(tmp_path):
    path = tmp_path / "model.py"
    source = "from jax import lax\nimport haiku as hk\ny = lax.conv_general_dilated(x, w, strides, 'SAME')\nz = lax.conv(x, w, (1,), 'SAME')\n"
    path.write_text(source)
    result = run("conv-lint", "fix", str(path))
    assert result.returncode == 1
    assert path.read_text() == source
    assert result.stdout == ""
    assert "CNV004 not fixed: the spatial rank is not written in the call" in result.stderr
    assert "CNV004 not fixed: the layout of this function is fixed" in result.stderr


def test_formatting_comments_and_trailing_commas_are_kept(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(
        textwrap.dedent(
            """\
            import tensorflow as tf

            model = tf.keras.Sequential([
                tf.keras.layers.Conv1D(
                    8,
                    3,  # a kernel of three
                    data_format="channels_last",
                ),
                tf.keras.layers.Conv1D(8,
                                       3, data_format="channels_last", use_bias=False),
                tf.keras.layers.Conv1D(8, 3, data_format="channels_last", use_bias=False, ),
            ])
            """
        )
    )
    run("conv-lint", "fix", str(path))
    # Arguments aligned with the bracket (not black's style) get the keywords on their last line; the
    # one-line call pushed past 88 columns is split as black splits it (its trailing comma is magic).
    assert path.read_text() == textwrap.dedent(
        """\
        import tensorflow as tf

        model = tf.keras.Sequential([
            tf.keras.layers.Conv1D(
                8,
                3,  # a kernel of three
                data_format="channels_last",
                padding="valid",
                kernel_initializer="glorot_uniform",
                bias_initializer="zeros",
            ),
            tf.keras.layers.Conv1D(8,
                                   3, data_format="channels_last", use_bias=False, padding="valid", kernel_initializer="glorot_uniform"),
            tf.keras.layers.Conv1D(
                8,
                3,
                data_format="channels_last",
                use_bias=False,
                padding="valid",
                kernel_initializer="glorot_uniform",
            ),
        ])
        """
    )


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("crlf", b"import numpy as np\r\ny = np.convolve(x, k)  # note\r\n"),
        ("bom", b"\xef\xbb\xbfimport numpy as np\ny = np.convolve(x, k)\n"),
        ("latin1", b"# -*- coding: latin-1 -*-\nimport numpy as np\ns = '\xe9'\ny = np.convolve(x, k)\n"),
        ("tabs", b"import numpy as np\nif True:\n\ty = np.convolve(x, k)\n"),
    ],
)
def test_encoding_bom_and_line_endings_are_kept(tmp_path, name, raw):
    path = tmp_path / f"{name}.py"
    path.write_bytes(raw)
    path.chmod(0o640)
    assert run("conv-lint", "fix", str(path)).returncode == 0
    fixed = path.read_bytes()
    quote = b"'" if name == "latin1" else b'"'
    assert fixed == raw.replace(b"np.convolve(x, k)", b"np.convolve(x, k, mode=" + quote + b"full" + quote + b")")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_only_changed_files_are_written_and_bad_files_left_alone(tmp_path):
    clean = tmp_path / "clean.py"
    clean.write_text("import numpy as np\ny = np.convolve(x, k, mode='valid')\n")
    broken = tmp_path / "broken.py"
    broken.write_text("import numpy as np\ny = np.convolve(x, k\n")
    flagged = tmp_path / "flagged.py"
    flagged.write_text("import numpy as np\ny = np.convolve(x, k)\n")
    old = 1_000_000_000
    for path in (clean, broken):
        os.utime(path, (old, old))
    result = run("conv-lint", "fix", str(tmp_path))
    assert result.returncode == 2
    assert clean.stat().st_mtime == old and broken.stat().st_mtime == old
    assert broken.read_text() == "import numpy as np\ny = np.convolve(x, k\n"
    (error,) = result.stderr.strip().splitlines()[1:]
    assert "broken.py:" in error and "not changed" in error
    assert 'mode="full"' in flagged.read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_a_file_changed_during_the_run_is_not_overwritten(tmp_path):
    path = tmp_path / "model.py"
    path.write_bytes(b"import numpy as np\ny = np.convolve(x, k)\n")
    original = path.read_bytes()
    result = fix_source(original, str(path), Settings())
    path.write_bytes(b"# edited in the editor meanwhile\n" + original)
    with pytest.raises(FileChangedError):
        write_atomic(path, result.fixed, original)
    assert path.read_bytes().startswith(b"# edited in the editor")


def test_write_goes_through_a_symlink(tmp_path):
    real = tmp_path / "real.py"
    real.write_bytes(b"import numpy as np\ny = np.convolve(x, k)\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    run("conv-lint", "fix", str(link))
    assert link.is_symlink()
    assert b"mode=" in real.read_bytes()


def test_diff_and_check_write_nothing(tmp_path):
    path = tmp_path / "model.py"
    source = "import numpy as np\ny = np.convolve(x, k)\n"
    path.write_text(source)
    diff = run("conv-lint", "fix", "--diff", str(path))
    assert diff.returncode == 1
    assert f"--- a/{str(path).lstrip('/')}" in diff.stdout and "+y = np.convolve(x, k, mode=\"full\")" in diff.stdout
    check = run("conv-lint", "fix", "--check", str(path))
    assert check.returncode == 1 and check.stdout == ""
    assert path.read_text() == source


def test_stdin_prints_the_fixed_source():
    result = run("conv-lint", "fix", "-", stdin="import numpy as np\ny = np.convolve(x, k)\n")
    assert result.stdout == 'import numpy as np\ny = np.convolve(x, k, mode="full")\n'


def test_select_ignore_and_noqa_limit_the_fix(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(
        "import keras\n"
        "a = keras.layers.Conv1D(8, 3)\n"
        "b = keras.layers.Conv1D(8, 3)  # noqa: CNV001\n"
        "c = keras.layers.Conv1D(8, 3)  # noqa\n"
    )
    run("conv-lint", "fix", "--select", "CNV001,CNV002", "--ignore", "CNV002", str(path))
    assert path.read_text() == (
        "import keras\n"
        'a = keras.layers.Conv1D(8, 3, padding="valid")\n'
        "b = keras.layers.Conv1D(8, 3)  # noqa: CNV001\n"
        "c = keras.layers.Conv1D(8, 3)  # noqa\n"
    )


def test_align_with_rewrites_explicit_settings(tmp_path):
    long_lines(tmp_path)
    path = tmp_path / "model.py"
    path.write_text(
        "import flax.linen as nn\n"
        "a = nn.Conv(4, 3, padding='SAME')\n"
        "import keras\n"
        "b = keras.layers.Conv1D(8, 3, 1, 'valid', use_bias=False)\n"
    )
    assert run("conv-lint", "fix", "--align-with", "tensorflow", str(path)).returncode == 0
    assert path.read_text() == (
        "import flax.linen as nn\n"
        "a = nn.Conv(4, 3, padding='VALID', kernel_init=nn.initializers.glorot_uniform(), bias_init=nn.initializers.zeros)\n"
        "import keras\n"
        "b = keras.layers.Conv1D(8, 3, 1, 'valid', use_bias=False, data_format='channels_last', kernel_initializer='glorot_uniform')\n"
    )
    run("conv-lint", "fix", "--align-with", "flax", str(path))
    assert "b = keras.layers.Conv1D(8, 3, 1, 'same', use_bias=False, data_format='channels_last', kernel_initializer='lecun_normal')" in path.read_text()
    assert "a = nn.Conv(4, 3, padding='SAME', kernel_init=nn.initializers.lecun_normal()," in path.read_text()
    assert run("conv-lint", "fix", "--align-with", "flax", "--check", str(path)).returncode == 0


def test_align_with_torch_uses_fan_in_uniform(tmp_path):
    long_lines(tmp_path)
    path = tmp_path / "model.py"
    path.write_text("import flax.linen as nn\na = nn.Conv(4, 3)\n")
    result = run("conv-lint", "fix", "--align-with", "torch", str(path))
    assert path.read_text() == (
        "import flax.linen as nn\n"
        'a = nn.Conv(4, 3, padding="VALID", kernel_init=nn.initializers.variance_scaling(1 / 3, "fan_in", "uniform"))\n'
    )
    # No Flax initializer draws a bias from the kernel's fan-in: that finding stays, with a reason.
    assert result.returncode == 1 and "CNV003" in findings(path)[0]


def test_align_with_flax_writes_torch_same_padding_only_where_pytorch_takes_it(tmp_path):
    # PyTorch refuses padding='same' at a stride above 1 (when the layer is made) and in a transposed
    # conv (when it runs): those calls are left, with the reason, not written into a crash.
    long_lines(tmp_path)
    path = tmp_path / "model.py"
    path.write_text(
        "from torch import nn\n"
        "c = nn.Conv2d(8, 4, 3)\n"
        "unit = nn.Conv2d(8, 4, 3, stride=(1, 1))\n"
        "strided = nn.Conv2d(8, 4, 3, stride=2)\n"
        "up = nn.ConvTranspose2d(8, 4, kernel_size=3, stride=2)\n"
    )
    result = run("conv-lint", "fix", "--align-with", "flax", str(path))
    assert path.read_text() == (
        "from torch import nn\n"
        'c = nn.Conv2d(8, 4, 3, padding="same")\n'
        'unit = nn.Conv2d(8, 4, 3, stride=(1, 1), padding="same")\n'
        "strided = nn.Conv2d(8, 4, 3, stride=2)\n"
        "up = nn.ConvTranspose2d(8, 4, kernel_size=3, stride=2)\n"
    )
    left = [line for line in result.stderr.splitlines() if "not fixed" in line]
    assert [line.split(":")[1] for line in left] == ["4", "5"]
    assert all("PyTorch takes padding='same' only in a convolution (not transposed) at stride 1" in line for line in left)
    if importlib.util.find_spec("torch") is not None:  # what was written runs in PyTorch
        program = path.read_text() + "import torch\nx = torch.zeros(1, 8, 6, 6)\nc(x), unit(x), strided(x), up(x)\n"
        assert run("python", "-c", program).returncode == 0


def test_libcst_codemod_gives_the_same_text_as_fix(tmp_path):
    tree = copy_tree(FIXTURES / "keras", tmp_path / "a")
    copy_tree(FIXTURES / "keras", tmp_path / "b")
    run("conv-lint", "fix", str(tmp_path / "a"))
    codemod = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", "--no-format", "-x", "conv_lint.codemod.PinDefaults", "b"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert codemod.returncode == 0, codemod.stderr
    for path in python_files(tree):
        assert path.read_text() == (tmp_path / "b" / path.relative_to(tree)).read_text(), path


@pytest.mark.parametrize("package", ["keras/src/layers", "flax/linen"])
def test_fix_on_installed_framework_sources(tmp_path, package):
    """A real-world sample: the fix only adds keywords, every file still parses, a second run is a no-op."""
    site = Path(subprocess.check_output([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    source = site / package
    if not source.is_dir():
        pytest.skip(f"{package} is not installed")
    tree = copy_tree(source, tmp_path / "sample")
    originals = {path: path.read_text() for path in python_files(tree)}
    result = run("conv-lint", "fix", str(tree))
    assert result.returncode in (0, 1), result.stderr
    changed = [path for path, text in originals.items() if path.read_text() != text]
    for path in changed:
        assert only_keywords_added(originals[path], path.read_text()) == [], path
    assert run("conv-lint", "fix", "--check", str(tree)).returncode == 0


def test_pre_commit_hooks_run_through_pre_commit(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "model.py").write_text("import numpy as np\ny = np.convolve(x, k)\n")
    subprocess.run([*git, "-C", str(repo), "add", "."], check=True)
    environment = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    pre_commit = str(Path(sys.executable).parent / "pre-commit")

    def try_hook(hook: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [pre_commit, "try-repo", str(ROOT), hook, "--all-files"],
            cwd=repo,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )

    check = try_hook("conv-lint")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "CNV005" in check.stdout
    fix = try_hook("conv-lint-fix")
    assert fix.returncode == 1, fix.stdout + fix.stderr  # pre-commit fails a hook that modified files
    assert (repo / "model.py").read_text() == 'import numpy as np\ny = np.convolve(x, k, mode="full")\n'
    assert try_hook("conv-lint").returncode == 0


def test_fix_pins_in_the_partial_only_when_every_call_through_it_relies_on_the_default():
    source = textwrap.dedent(
        """\
        import functools
        from keras import layers
        conv = functools.partial(layers.Conv2D, kernel_size=3, use_bias=False, data_format="channels_last")
        a = conv(8)
        b = conv(16, padding="same")
        """
    ).encode()
    result = fix_source(source, "x.py", Settings())
    fixed = result.fixed.decode()
    # Both calls rely on the kernel initializer: pinned once, in the partial; the calls are untouched.
    assert 'data_format="channels_last", kernel_initializer="glorot_uniform")' in fixed
    assert "a = conv(8)\nb = conv(16, padding=\"same\")\n" in fixed
    # Only one call relies on padding: left, with the reason.
    (left,) = result.not_fixed
    assert left.finding.code == "CNV001" and left.finding.line == 4
    assert "the functools.partial of line 3 has calls that set padding and calls that do not" in left.reason
    assert "through the functools.partial of line 3" in left.finding.message
