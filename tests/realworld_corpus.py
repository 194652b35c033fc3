"""The real-code corpus: eight pinned PyPI wheels (tests/realworld/wheels.txt), downloaded once with pip,
sha256-checked, and unpacked as .py files into a cache folder outside the repository.

The folder is $CONV_LINT_CORPUS when set (a folder ../shared/realworld/make_corpus.sh made has the
same layout and is reused as it is), else <user cache>/conv-lint/realworld-corpus. Each package is
unpacked into a temporary folder first and renamed into place, so a package folder that exists is
complete; its .py files are also counted against the wheel's.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

WHEELS_FILE = Path(__file__).resolve().parent / "realworld" / "wheels.txt"
ENV_VAR = "CONV_LINT_CORPUS"
# `conv-lint check` on the corpus, with CI's two CPUs. The text format (flake8's lines) and not JSON,
# whose records carry each finding's fix: on this corpus that takes 15 times as long (250 s of CPU).
CHECK = ("check", "--no-cache", "--no-respect-gitignore", "--exit-zero", "-j", "2")


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    sha256: str

    @property
    def stem(self) -> str:
        """The wheel's distribution name, which is also the package's folder in the corpus."""
        return re.sub(r"[-_.]+", "_", self.name).lower()


def read_pins(path: Path = WHEELS_FILE) -> list[Pin]:
    pins = []
    for line in path.read_text().splitlines():
        line = line.split(" #")[0].strip()
        if line and not line.startswith("#"):
            match = re.fullmatch(r"(\S+)==(\S+)\s+--hash=sha256:([0-9a-f]{64})", line)
            if not match:
                raise ValueError(f"{path}: cannot read the pin {line!r}")
            pins.append(Pin(*match.groups()))
    return pins


def default_folder() -> Path:
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    if sys.platform == "win32":
        cache = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        cache = Path.home() / "Library" / "Caches"
    else:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "conv-lint" / "realworld-corpus"


class CorpusError(RuntimeError):
    """The corpus could not be downloaded or is not what the pins say."""


def ensure(folder: Path | None = None, pins: list[Pin] | None = None) -> dict[str, Path]:
    """Download and unpack what is missing; the package folders by package (distribution) name."""
    folder = folder or default_folder()
    wheels = folder / ".wheels"
    pins = read_pins() if pins is None else pins
    missing = [pin for pin in pins if _wheel(wheels, pin) is None]
    if missing:
        _download(missing, wheels)
    packages = {}
    for pin in pins:
        wheel = _wheel(wheels, pin)
        if wheel is None:
            raise CorpusError(f"pip download left no wheel of {pin.name}=={pin.version} in {wheels}")
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != pin.sha256:
            raise CorpusError(f"{wheel}: sha256 {digest}, but tests/realworld/wheels.txt pins {pin.sha256}")
        target = folder / pin.stem
        sources = _sources(wheel)
        if not target.exists():
            _unpack(wheel, sources, target)
        found = sum(1 for _ in target.rglob("*.py"))
        if found != len(sources):
            raise CorpusError(f"{target} holds {found} .py files, its wheel {len(sources)}: delete the folder")
        packages[pin.name] = target
    return packages


def _wheel(folder: Path, pin: Pin) -> Path | None:
    if not folder.is_dir():
        return None
    return next(iter(sorted(folder.glob(f"{pin.stem}-{pin.version}-*.whl"))), None)


def _download(pins: list[Pin], wheels: Path) -> None:
    wheels.mkdir(parents=True, exist_ok=True)
    requirements = wheels / "requirements.txt"
    requirements.write_text("".join(f"{p.name}=={p.version} --hash=sha256:{p.sha256}\n" for p in pins))
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--require-hashes",
               "--disable-pip-version-check", "-d", str(wheels), "-r", str(requirements)]
    process = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if process.returncode:
        raise CorpusError(f"pip download failed ({process.returncode}):\n{process.stdout}{process.stderr}")


def _sources(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return [name for name in archive.namelist() if name.endswith(".py") and ".dist-info/" not in name]


def _unpack(wheel: Path, sources: list[str], target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        for name in sources:
            archive.extract(name, partial)
    partial.rename(target)


if __name__ == "__main__":
    for name, path in ensure().items():
        print(f"{name}: {path}")
