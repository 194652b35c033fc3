"""Workers' answers kept between runs of ``conv-lint verify``.

A worker's answer to a request is a pure function of what computes it: the request itself (the
call, its arrays, the probe's seed: everything the worker reads is in it), the frameworks'
versions, conv-lint's worker code, and the host where an answer depends on it. The key is made
of exactly those, so any request kind a worker learns to answer is kept with no change here:

- ``Context`` (one cache file each, named by its digest): the platform (OS, machine, Python,
  C library), the CPU (vendor and instruction-set flags: XLA compiles for the host's flags and
  oneDNN picks its kernels by them, and whether TensorFlow can run a channels-first convolution
  at all depends on the CPU), the installed versions of every framework a worker may import (read
  from the packages' metadata, never by importing them: a run whose answers are all kept starts
  no worker), a hash of the worker modules' sources (and of the conv_lint modules they import),
  and the user's keras.json (the TensorFlow worker's Keras reads its defaults there);
- per entry: the worker, the environment variables its frameworks read (``TF_ENABLE_ONEDNN_OPTS``,
  ``XLA_FLAGS``, ``JAX_ENABLE_X64``, ...: ``ENVIRONMENT_READ``) and the request.

Failures (a worker that crashed, timed out or ran out of memory, a library not installed) are
never kept: they say what happened on one run, not what the call computes.

The file is read once and written once per run, through check's helpers (``conv_lint.cache``):
written to a temporary file and renamed into place, merged with what a concurrent run may have
written meanwhile; a file that cannot be read or decoded is ignored. Its size is bounded
(``MAX_BYTES``; the entries this run used are kept first, then the newest), and only the newest
``KEPT_CONTEXTS`` context files are kept: the others belong to frameworks or a conv-lint no
longer installed.
"""

from __future__ import annotations

import array
import base64
import dataclasses
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from conv_lint.cache import make_folder, read_entries, write_entries
from conv_lint.verify.planning.keras_config import keras_json

FOLDER = "verify-answers"  # in conv-lint's cache folder, beside check's file and JAX's jax/
KEPT_CONTEXTS = 3
MAX_BYTES = 48 * 1024 * 1024  # about 550 initializer samples, or tens of thousands of outputs

# Every distribution a worker may import, or whose version changes what one computes.
DISTRIBUTIONS = (
    "tensorflow", "tensorflow-cpu", "tensorflow-intel", "tensorflow-macos", "tf-nightly", "keras", "tf-keras",
    "jax", "jaxlib", "flax", "dm-haiku", "equinox", "torch", "numpy", "scipy", "ml-dtypes",
)
# Environment variables the frameworks read (the workers inherit the parent's environment), by
# worker: switching oneDNN off (TF_ENABLE_ONEDNN_OPTS=0) changes TensorFlow's answers, not JAX's.
# A worker not listed is keyed by all of them.
ENVIRONMENT_PREFIXES = ("TF_", "XLA_", "JAX_", "KERAS_", "ONEDNN_", "DNNL_", "MKL_", "OMP_", "TORCH_", "CUDA_")
ENVIRONMENT_READ = {
    "tensorflow": ("TF_", "XLA_", "KERAS_", "ONEDNN_", "DNNL_", "MKL_", "OMP_", "CUDA_"),
    "jax": ("XLA_", "JAX_", "OMP_", "CUDA_"),
}
ENVIRONMENT_PATHS = frozenset({"JAX_COMPILATION_CACHE_DIR"})  # where, not what: not part of an answer
PACKAGE_ROOT = Path(__file__).resolve().parents[3]
_IMPORT = re.compile(r"^\s*(?:from\s+(conv_lint[\w.]*)\s+import\s+([\w, ()]+)|import\s+(conv_lint[\w.]*))", re.MULTILINE)


@dataclass(frozen=True)
class Context:
    """What every answer depends on besides its request (see the module's docstring)."""

    platform: tuple[tuple[str, str], ...]
    cpu: str
    versions: tuple[tuple[str, str], ...]  # (distribution, version or "" when not installed)
    worker_code: str
    keras_json: str

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(dataclasses.asdict(self), sort_keys=True).encode()).hexdigest()[:20]

    @classmethod
    def current(cls, worker_modules: Iterable[str]) -> Context:
        return cls(_platform(), _cpu(), _versions(), worker_code(worker_modules), _keras_json())


def _platform() -> tuple[tuple[str, str], ...]:
    libc = os.confstr("CS_GNU_LIBC_VERSION") if "CS_GNU_LIBC_VERSION" in getattr(os, "confstr_names", {}) else ""
    return (("system", platform.system()), ("machine", platform.machine()),
            ("python", f"{sys.implementation.name} {platform.python_version()}"), ("libc", libc or ""))


def _cpu() -> str:
    """The CPU's vendor and instruction-set flags (Linux: /proc/cpuinfo), else what platform knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as file:
            lines = dict(line.split(":", 1) for line in file.read().split("\n\n", 1)[0].splitlines() if ":" in line)
    except OSError:
        return platform.processor()
    described = {key.strip(): value.strip() for key, value in lines.items()}
    flags = " ".join(sorted((described.get("flags") or described.get("Features") or "").split()))
    return f"{described.get('vendor_id') or described.get('CPU implementer', '')} {flags}".strip()


def _versions() -> tuple[tuple[str, str], ...]:
    found = []
    for name in DISTRIBUTIONS:
        try:
            found.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            found.append((name, ""))
    return tuple(found)


def _keras_json() -> str:
    try:
        return hashlib.sha256(Path(keras_json()).read_bytes()).hexdigest()
    except OSError:
        return ""


def worker_code(worker_modules: Iterable[str], root: Path = PACKAGE_ROOT) -> str:
    """A hash of the sources of the worker modules and every conv_lint module they import (with
    the packages' ``__init__``), followed through their imports: what runs in a worker."""
    seen: dict[str, bytes] = {}
    pending = list(worker_modules)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        source = _source(root, name)
        if source is None:
            continue
        seen[name] = source
        parts = name.split(".")
        pending.extend(".".join(parts[:end]) for end in range(1, len(parts)))
        for match in _IMPORT.finditer(source.decode("utf-8", errors="replace")):
            module = match.group(1) or match.group(3)
            pending.append(module)
            for imported in (match.group(2) or "").replace("(", "").replace(")", "").split(","):
                if imported.strip():
                    pending.append(f"{module}.{imported.strip()}")  # kept only where it is a module
    digest = hashlib.sha256()
    for name in sorted(seen):
        digest.update(f"{name}\0{len(seen[name])}\0".encode() + seen[name])
    return digest.hexdigest()


def _source(root: Path, module: str) -> bytes | None:
    base = root.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        try:
            return path.read_bytes()
        except OSError:
            continue
    return None


def answer_environment(worker: str, environment: dict[str, str]) -> dict[str, str]:
    """The variables of a worker's environment that its frameworks read, for the key."""
    prefixes = ENVIRONMENT_READ.get(worker, ENVIRONMENT_PREFIXES)
    return {name: value for name, value in sorted(environment.items())
            if name.startswith(prefixes) and name not in ENVIRONMENT_PATHS}


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed by a concurrent run meanwhile
        return 0.0


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _size(entry: dict) -> int:
    answer = entry.get("answer") if isinstance(entry, dict) else None
    return 200 + sum(len(value) if isinstance(value, str) else 30 for value in (answer or {}).values())


class AnswerCache:
    """The answers kept for one ``Context`` in ``folder``."""

    def __init__(self, folder: Path, context: Context, max_bytes: int = MAX_BYTES) -> None:
        self.folder = folder
        self.context = context
        self.max_bytes = max_bytes
        self.file = folder / f"{context.digest()}.json"
        self.answers = self._read()
        self.added: dict[str, dict] = {}
        self.used: set[str] = set()

    def _read(self) -> dict[str, dict]:
        answers = read_entries(self.file).get("answers")
        return answers if isinstance(answers, dict) else {}

    @property
    def empty(self) -> bool:
        return not self.answers

    @staticmethod
    def key(worker: str, environment: dict[str, str], request_digest: str) -> str:
        """The key of a request's answer: the request (``plan.request_digest``) in the worker's environment."""
        what = json.dumps([worker, answer_environment(worker, environment), request_digest], sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(what.encode()).hexdigest()

    def get(self, key: str) -> tuple[dict, str] | None:
        """The kept answer (as the worker wrote it) and when it was computed, or None."""
        entry = self.answers.get(key)
        if not isinstance(entry, dict) or not isinstance(entry.get("answer"), dict):
            return None
        self.used.add(key)
        return _unpacked(entry["answer"]), str(entry.get("computed", ""))

    def put(self, key: str, answer: dict, computed: str) -> None:
        """Keep a worker's answer, unless it is a failure (what happened, not what the call computes)."""
        if "failure" in answer:
            return
        kept = {name: value for name, value in answer.items() if name not in ("id", "ms", "cpu_ms")}
        self.answers[key] = self.added[key] = {"answer": _packed(kept), "computed": computed}
        self.used.add(key)

    def save(self) -> None:
        if not self.added:
            return
        try:
            make_folder(self.folder.parent)
            make_folder(self.folder)
            self._forget_old_contexts()
            on_disk = read_entries(self.file).get("answers")
            merged = {**(on_disk if isinstance(on_disk, dict) else {}), **self.added}
            write_entries(self.file, {"context": dataclasses.asdict(self.context), "answers": self._bounded(merged)})
        except OSError:
            pass  # a read-only or full disk costs speed, never a result

    def _bounded(self, answers: dict[str, dict]) -> dict[str, dict]:
        """At most about ``max_bytes``: the answers this run used first, then the newest."""
        order = sorted(answers, key=lambda key: (key in self.used, str(answers[key].get("computed", ""))), reverse=True)
        kept, total = {}, 0
        for key in order:
            total += _size(answers[key])
            if total > self.max_bytes and kept:
                break
            kept[key] = answers[key]
        return kept

    def _forget_old_contexts(self) -> None:
        others = [path for path in self.folder.glob("*.json") if path != self.file]
        others.sort(key=_modified, reverse=True)
        for stale in others[KEPT_CONTEXTS - 1:]:
            stale.unlink(missing_ok=True)


# A float32 array's values as JSON numbers take about 19 characters each, packed as little-endian
# float32 bytes in base64 5.3: the answer file is read whole on every run, so it is kept packed.
_ARRAYS = ("output", "canonical")


def _packed(answer: dict) -> dict:
    packed = {name: _pack(answer[name]) if name in _ARRAYS else value for name, value in answer.items()}
    if isinstance(answer.get("weights"), dict):
        packed["weights"] = {name: _pack(value) for name, value in answer["weights"].items()}
    return packed


def _unpacked(answer: dict) -> dict:
    unpacked = {name: _unpack(answer[name]) if name in _ARRAYS else value for name, value in answer.items()}
    if isinstance(answer.get("weights"), dict):
        unpacked["weights"] = {name: _unpack(value) for name, value in answer["weights"].items()}
    return unpacked


def _pack(payload):
    """``layouts.payload`` of a float32 array with its values packed; anything else as it is."""
    if not (isinstance(payload, dict) and payload.get("dtype") == "float32" and isinstance(payload.get("values"), list)):
        return payload
    values = array.array("f", payload["values"])  # exact: the values are float32s widened to float64
    if sys.byteorder == "big":
        values.byteswap()
    return {**{name: value for name, value in payload.items() if name != "values"},
            "values_f32": base64.b64encode(values.tobytes()).decode("ascii")}


def _unpack(payload):
    if not (isinstance(payload, dict) and "values_f32" in payload):
        return payload
    values = array.array("f")
    values.frombytes(base64.b64decode(payload["values_f32"]))
    if sys.byteorder == "big":
        values.byteswap()
    return {**{name: value for name, value in payload.items() if name != "values_f32"}, "values": values.tolist()}
