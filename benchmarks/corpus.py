"""Build the benchmark corpus: the Python sources of pinned Keras, Flax, Haiku and Equinox wheels,
downloaded (not installed) and unpacked into benchmarks/.corpus/ (ignored by git).

    python benchmarks/corpus.py            # prints the corpus folder, file and line counts
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
import zipfile
from pathlib import Path

# Pinned so that every run measures the same code.
WHEELS = ("keras==3.15.1", "flax==0.12.8", "dm-haiku==0.0.17", "equinox==0.13.8")
HERE = Path(__file__).resolve().parent
CORPUS = HERE / ".corpus"


def build() -> Path:
    sources = CORPUS / "src"
    marker = CORPUS / "complete"
    if marker.exists() and marker.read_text() == "\n".join(WHEELS):
        return sources
    wheels = CORPUS / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    for requirement in WHEELS:
        download(requirement, wheels)
    for wheel in sorted(wheels.glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if member.endswith(".py") and ".dist-info/" not in member:
                    target = sources / member
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(member))
    marker.write_text("\n".join(WHEELS))
    return sources


def download(requirement: str, folder: Path) -> Path:
    """Fetch the pure-Python wheel of ``name==version`` from PyPI's simple index, checking its sha256."""
    name, version = requirement.split("==")
    request = urllib.request.Request(
        f"https://pypi.org/simple/{name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        files = json.load(response)["files"]
    prefix = f"{name.replace('-', '_')}-{version}-"
    (wheel,) = [f for f in files if f["filename"].startswith(prefix) and f["filename"].endswith("-none-any.whl")]
    target = folder / wheel["filename"]
    if not target.exists():
        with urllib.request.urlopen(wheel["url"], timeout=300) as response:
            data = response.read()
        if hashlib.sha256(data).hexdigest() != wheel["hashes"]["sha256"]:
            raise SystemExit(f"{wheel['filename']}: sha256 mismatch")
        target.write_bytes(data)
    return target


def describe(sources: Path) -> str:
    files = sorted(sources.rglob("*.py"))
    lines = sum(path.read_bytes().count(b"\n") for path in files)
    return f"{sources}: {len(files)} files, {lines} lines"


if __name__ == "__main__":
    print(describe(build()))
