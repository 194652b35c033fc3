"""Adding an API is one catalog entry, and check, fix and verify all pick it up (issue 14).

The API is hypothetical: Keras's ``Conv1D`` reached through a new alias package,
``convlint_alias.layers.Conv1D``, written to a temporary folder. The folder's ``sitecustomize``
adds one entry to the catalog in every process that starts with it on ``PYTHONPATH`` (conv-lint
and verify's workers alike), exactly as one more line in ``APIS`` (``conv_lint/catalog/apis.py``)
would; nothing else about the API is written anywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import require_installed

pytestmark = pytest.mark.frameworks

ONE_ENTRY = """\
import dataclasses
from conv_lint.catalog import APIS, CATALOG

CATALOG.apis = (*APIS, dataclasses.replace(CATALOG.lookup("keras.layers.Conv1D"), names=("convlint_alias.layers.Conv1D",)))
CATALOG.__post_init__()
"""
SOURCE = "import convlint_alias.layers as L\n\nlayer = L.Conv1D(4, 3)\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("alias")
    (folder / "site").mkdir()
    (folder / "site" / "sitecustomize.py").write_text(ONE_ENTRY)
    (folder / "site" / "convlint_alias").mkdir()
    (folder / "site" / "convlint_alias" / "__init__.py").write_text("")
    (folder / "site" / "convlint_alias" / "layers.py").write_text("from keras.layers import Conv1D\n")
    (folder / "model.py").write_text(SOURCE)
    return folder


def conv_lint(folder, *args: str, with_entry: bool = True) -> subprocess.CompletedProcess:
    environment = dict(os.environ)
    if with_entry:
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder / "site"), environment.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "conv_lint", *args]
    return subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True, timeout=600)


def test_without_the_entry_conv_lint_knows_nothing_of_the_alias(project):
    result = conv_lint(project, "check", "--no-cache", "model.py", with_entry=False)
    assert result.returncode == 0 and result.stdout == "", result.stderr


def test_check_reports_the_keras_defaults_under_the_new_name(project):
    result = conv_lint(project, "check", "--no-cache", "--format", "json", "model.py")
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)
    assert sorted(f["code"] for f in findings) == ["CNV001", "CNV002", "CNV003", "CNV004"]
    assert {f["api"] for f in findings} == {"convlint_alias.layers.Conv1D"}


def test_fix_pins_them(project):
    result = conv_lint(project, "fix", "--diff", "model.py")
    assert result.returncode == 1, result.stderr
    assert '+    4, 3, padding="valid", kernel_initializer="glorot_uniform", bias_initializer="zeros"\n' in result.stdout


def test_verify_runs_the_call_under_its_new_name(project):
    require_installed("tensorflow", "keras", "jax", "flax")
    result = conv_lint(project, "verify", "--select", "CNV001", "--format", "json", "--no-cache", "model.py")
    (verdict,) = json.loads(result.stdout)["results"]
    assert verdict["divergence"]["calls"][0] == "convlint_alias.layers.Conv1D(filters=4, kernel_size=3)"
    # Run as written in TensorFlow's worker, against Flax's 'SAME' in JAX's: the shapes differ.
    assert verdict["verdict"] == "CONFIRMED", json.dumps(verdict)
    assert verdict["pin"]["status"] == "PIN VERIFIED", json.dumps(verdict)
