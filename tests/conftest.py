import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


def pytest_addoption(parser):
    parser.addoption(
        "--update-fixtures",
        action="store_true",
        help="rewrite the expected-output files beside the fixtures instead of comparing with them",
    )


@pytest.fixture
def update_fixtures(request) -> bool:
    return request.config.getoption("--update-fixtures")


def run(
    *args: str,
    stdin: str | bytes | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """Run a real command from the test venv (conv-lint, flake8, python), capturing text output;
    ``env``: variables to set on top of the test's environment."""
    if isinstance(stdin, str):
        stdin = stdin.encode()
    executable = Path(sys.executable).parent / args[0]
    command = [str(executable) if executable.exists() else args[0], *args[1:]]
    process = subprocess.run(command, input=stdin, capture_output=True, cwd=cwd or ROOT, timeout=timeout,
                             env={**os.environ, **env} if env else None)
    return subprocess.CompletedProcess(
        process.args, process.returncode, process.stdout.decode(), process.stderr.decode()
    )


def write(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` (dedented) to ``folder/name``, making the folders it needs."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


# One finding in flake8's line format, which `conv-lint check` prints by default.
FINDING = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<code>[A-Z]+\d+) (?P<message>.*)$")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    code: str
    message: str


def parse_findings(output: str) -> list[Finding]:
    findings = []
    for text in output.splitlines():
        match = FINDING.match(text)
        assert match, f"not a finding line: {text!r}"
        findings.append(
            Finding(match["path"], int(match["line"]), int(match["column"]), match["code"], match["message"])
        )
    return findings


def require_framework(module: str):
    """Import a framework for a test, skipping locally when absent but failing in CI.

    CI installs the full test group, so a missing framework there is a broken install,
    not a reason to skip (a suite of skips would pass without testing anything).
    """
    if os.environ.get("CI"):
        return importlib.import_module(module)
    return pytest.importorskip(module)


def require_installed(*modules: str) -> None:
    """Skip (locally) or fail (in CI) unless ``modules`` are installed, without importing them here.

    Tests that run TensorFlow or JAX do it in subprocesses, so the test process stays light
    and the two frameworks never share a process.
    """
    missing = [module for module in modules if importlib.util.find_spec(module) is None]
    if missing and os.environ.get("CI"):
        pytest.fail(f"CI installs the test group, but {', '.join(missing)} is missing")
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed")


def keras_home(tmp_path: Path, data_format: str) -> Path:
    """A KERAS_HOME folder whose keras.json sets ``image_data_format`` to ``data_format``."""
    home = tmp_path / f"keras_{data_format}"
    home.mkdir()
    (home / "keras.json").write_text(json.dumps(
        {"image_data_format": data_format, "backend": "tensorflow", "floatx": "float32", "epsilon": 1e-07}))
    return home
