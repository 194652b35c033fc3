"""Target frameworks (`frameworks = [...]`, `--frameworks`, flake8's `--conv-frameworks`): messages
compare with the listed frameworks only, and port notes about other frameworks are off."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import FIXTURES, run
from conv_lint.analyzer import SourceError, analyze
from conv_lint.catalog import CATALOG, CONTRASTS, TARGET_ALIASES, TARGET_FRAMEWORKS, package, target_packages
from conv_lint.config import ConfigError, Settings, parse_frameworks
from conv_lint.rules import RULES, RULES_BY_HAZARD

KERAS = "import keras\nimport torch\nkeras.layers.Conv1D(8, 4, padding='same')\nkeras.layers.Conv1D(8, 3)\n"
HAZARD_CODES = {rule.code for rule in RULES_BY_HAZARD.values()}
CONTRAST_APIS = sorted({c.api for contrasts in CONTRASTS.values() for c in contrasts}, key=len, reverse=True)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def messages(source: str, *frameworks: str) -> dict[tuple[int, str], str]:
    return {(f.line, f.code): f.message for f in analyze(source, "model.py", frameworks=frameworks)}


# -- the vocabulary ---------------------------------------------------------------------------


def test_every_catalog_package_belongs_to_a_target_framework():
    """A new API from a new package needs a decision on which `frameworks` name covers it."""
    covered = target_packages(tuple(TARGET_FRAMEWORKS))
    assert {package(name) for name in CATALOG.by_name} <= covered
    assert set(TARGET_ALIASES.values()) <= set(TARGET_FRAMEWORKS)
    # Layer libraries bring JAX itself; `jax` is the whole ecosystem.
    for library in ("flax", "haiku", "equinox"):
        assert TARGET_FRAMEWORKS[library] < TARGET_FRAMEWORKS["jax"] and "jax" in TARGET_FRAMEWORKS[library]


def test_names_are_canonical_deduplicated_and_case_insensitive():
    assert parse_frameworks(["TensorFlow, JAX", "keras tf.keras", "PyTorch"], "x") == ("tensorflow", "jax", "torch")
    assert parse_frameworks(["scipy", "numpy", "tf_keras"], "x") == ("numpy", "tensorflow")
    assert parse_frameworks([""], "x") == ()
    with pytest.raises(ConfigError, match=r"^where: unknown framework 'caffe' \(known: tensorflow, jax"):
        parse_frameworks(["jax,caffe"], "where")


# -- messages -----------------------------------------------------------------------------------


def test_unset_frameworks_keep_todays_messages():
    assert messages(KERAS) == messages(KERAS, *())
    assert messages(KERAS)[(4, "CNV001")] == (
        "keras.layers.Conv1D relies on default padding='valid'; flax.linen.Conv defaults to 'SAME' — pass padding= explicitly"
    )


def test_each_listed_framework_that_differs_is_named():
    found = messages(KERAS, "tensorflow", "jax", "torch")
    assert found[(4, "CNV002")] == (
        "keras.layers.Conv1D relies on default kernel_initializer='glorot_uniform'; flax.linen.Conv defaults to"
        " lecun_normal(), torch.nn.Conv1d defaults to kaiming_uniform_(a=sqrt(5)) — pass kernel_initializer= explicitly"
    )
    # PyTorch pads 'valid' as Keras does: only the JAX side differs.
    assert found[(4, "CNV001")] == (
        "keras.layers.Conv1D relies on default padding='valid'; flax.linen.Conv defaults to 'SAME' — pass padding= explicitly"
    )
    # The listed order is the message's order; a layer library is named for itself.
    assert "haiku.Conv1D defaults to TruncatedNormal" in messages(KERAS, "haiku", "torch")[(4, "CNV002")]
    assert messages(KERAS, "torch", "jax")[(4, "CNV004")].index("torch.nn") < messages(KERAS, "torch", "jax")[
        (4, "CNV004")
    ].index("jax.lax")


def test_a_default_every_listed_framework_shares_is_no_finding():
    # PyTorch pads 0 ('valid') as Keras does: nothing changes in a TensorFlow-PyTorch port.
    found = messages(KERAS, "tensorflow", "torch")
    assert (4, "CNV001") not in found and (4, "CNV002") in found
    assert (4, "CNV001") in messages(KERAS, "tensorflow", "jax")
    assert (4, "CNV001") in messages(KERAS)  # no list: every framework is compared
    # Flax and Haiku leave the bias at zeros as Keras does; Equinox (part of `jax`) draws it uniformly.
    assert (4, "CNV003") not in messages(KERAS, "tensorflow", "flax")
    assert (4, "CNV003") not in messages(KERAS, "tensorflow", "haiku")
    assert "; equinox.nn.Conv1d defaults to U(" in messages(KERAS, "tensorflow", "jax")[(4, "CNV003")]
    # Equinox pads 0 as Keras does.
    assert (4, "CNV001") not in messages(KERAS, "tensorflow", "equinox")
    # Nothing known of the listed frameworks: the message names none (and never an unlisted one).
    assert messages(KERAS, "numpy")[(4, "CNV001")] == (
        "keras.layers.Conv1D relies on default padding='valid' — pass padding= explicitly"
    )
    # A fixed layout compares with "is"; convolve modes with "cross-correlates with".
    lax = "from jax import lax\nlax.conv(x, w, (1,), 'SAME')\n"
    assert messages(lax, "jax", "torch")[(2, "CNV004")].startswith(
        "jax.lax.conv is always channels-first (N,C,...)/(O,I,...); flax.linen.Conv is channels-last —"
    )
    convolve = "import numpy as np\nnp.convolve(x, k)\n"
    assert "; keras.layers.Conv1D cross-correlates with 'valid'" in messages(convolve, "numpy", "tensorflow")[(2, "CNV005")]
    assert messages(convolve, "numpy", "torch")[(2, "CNV005")].endswith("(true convolution) — pass mode= explicitly")


FRAMEWORK_LISTS = [("tensorflow", "jax"), ("tensorflow", "torch"), ("flax", "torch"), ("haiku",), ("numpy", "equinox")]


@pytest.mark.parametrize("frameworks", FRAMEWORK_LISTS, ids=",".join)
def test_messages_never_name_an_unlisted_framework(frameworks):
    allowed = target_packages(frameworks)
    compared = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        try:
            findings = analyze(path.read_bytes(), str(path), frameworks=frameworks)
        except SourceError:
            continue
        for finding in findings:
            if finding.code not in HAZARD_CODES:
                continue
            # The part after the call's own claim: "...; flax.linen.Conv defaults to 'SAME' — pass ..."
            others = finding.message.partition("; ")[2].rpartition(" — ")[0]
            for name in CONTRAST_APIS:
                if name in others:
                    assert package(name) in allowed, f"{frameworks}: {finding.message}"
                    others = others.replace(name, "")
                    compared += 1
    assert compared


# -- rules switched off ---------------------------------------------------------------------------


def test_port_notes_are_off_unless_a_listed_framework_is_their_target():
    torch_note = next(rule for rule in RULES if rule.code == "CNV103")
    causal_note = next(rule for rule in RULES if rule.code == "CNV102")
    assert torch_note.applies_to(()) and torch_note.applies_to(("tensorflow", "torch"))
    assert not torch_note.applies_to(("tensorflow", "jax"))
    assert causal_note.applies_to(("tensorflow", "flax"))  # Flax brings lax, which has no 'causal'
    assert not causal_note.applies_to(("tensorflow", "numpy"))
    # Rules that are not port notes stay on whatever is listed.
    assert all(rule.applies_to(("numpy",)) for rule in RULES if not rule.port_targets)
    settings = Settings(frameworks=("tensorflow", "jax"))
    assert not settings.code_enabled("CNV103") and settings.code_enabled("CNV001")
    # Selecting the full code turns a note back on; a prefix does not.
    assert Settings(frameworks=("jax",), extend_select=("CNV103",)).code_enabled("CNV103")
    assert not Settings(frameworks=("jax",), select=("CNV1",)).code_enabled("CNV103")


def test_check_and_fix_help_document_the_option():
    for command in ("check", "fix"):
        assert "--frameworks NAMES" in run("conv-lint", command, "--help").stdout


def test_configured_frameworks_in_check_and_flake8(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.conv-lint]\nframeworks = ["Keras", "jax"]\n')
    write(tmp_path, "setup.cfg", "[flake8]\nconv-frameworks = tensorflow, jax\n")
    write(tmp_path, "model.py", KERAS)
    settings = run("conv-lint", "check", "--show-settings", cwd=tmp_path)
    assert "frameworks = tensorflow, jax" in settings.stdout.splitlines()
    ours = run("conv-lint", "check", "--no-cache", "model.py", cwd=tmp_path)
    theirs = run("flake8", "--select", "CNV", "model.py", cwd=tmp_path)
    assert ours.returncode == theirs.returncode == 1
    assert ours.stdout == theirs.stdout
    assert " CNV103 " not in ours.stdout and "equinox.nn.Conv1d" in ours.stdout and "torch.nn" not in ours.stdout
    # The command line replaces the configured list, in both.
    ours = run("conv-lint", "check", "--no-cache", "--frameworks", "torch", "model.py", cwd=tmp_path)
    theirs = run("flake8", "--select", "CNV", "--conv-frameworks", "torch", "model.py", cwd=tmp_path)
    assert ours.stdout == theirs.stdout and " CNV103 " in ours.stdout
    assert "frameworks = (all: set frameworks = [...] to compare only those)" in run("conv-lint", "check", "--show-settings", "--frameworks", "", cwd=tmp_path).stdout


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ('["tensorflow", "caffe"]', "frameworks: unknown framework 'caffe' (known: tensorflow, jax"),
        ('"jax"', "frameworks must be a list of framework names"),
    ],
)
def test_configuration_errors_name_file_and_key(tmp_path, value, error):
    config = write(tmp_path, "pyproject.toml", f"[tool.conv-lint]\nframeworks = {value}\n")
    write(tmp_path, "model.py", KERAS)
    result = run("conv-lint", "check", "model.py", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"conv-lint: error: {config}: [tool.conv-lint] {error}")
    assert len(result.stderr.splitlines()) == 1


def test_flake8_reports_an_unknown_framework_without_a_traceback(tmp_path):
    write(tmp_path, "model.py", KERAS)
    result = run("flake8", "--select", "CNV", "--conv-frameworks", "tensorflow,caffe", "model.py", cwd=tmp_path)
    assert result.returncode != 0
    assert "--conv-frameworks: unknown framework 'caffe'" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
