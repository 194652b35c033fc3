"""The TensorFlow and JAX worker processes: started once per run, fed their jobs in one batch.

Each framework gets its own process (``python -m conv_lint.verify.workers.tf_worker`` /
``jax_worker``), so the two never share one; both start at once and work in parallel. A
worker answers its batch one request at a time, and each answer must come within the
timeout. When a worker crashes (a segfault, the OOM killer), hangs past the timeout, or runs
out of its memory limit, the request it was on gets that reason as its answer (its checks
become UNVERIFIABLE), the worker is started again for the rest, and the run goes on; after
``MAX_RESTARTS`` the rest of its batch gets the reason instead.

With an ``AnswerCache`` (``workers.answers``), a request answered on an earlier run is answered
from it, and a worker starts only for the requests it does not hold: a run whose answers are
all kept starts none. Each answer says where it came from: ``from_cache`` and ``computed_at``.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from conv_lint.cache import cache_folder, make_folder
from conv_lint.config import Settings
from conv_lint.verify.planning.plan import Job, worker_message
from conv_lint.verify.workers.answers import FOLDER as ANSWERS_FOLDER
from conv_lint.verify.workers.answers import AnswerCache, Context, now

MODULES = {"tensorflow": "conv_lint.verify.workers.tf_worker", "jax": "conv_lint.verify.workers.jax_worker",
           "torch": "conv_lint.verify.workers.torch_worker"}
REQUIRED = ("tensorflow", "jax")  # PyTorch's worker runs only where torch is installed
MAX_RESTARTS = 2
STARTUP_MINIMUM = 120.0  # seconds a worker may take to import its framework, whatever --timeout says
XLA_FAST_COMPILE = (
    "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true --xla_cpu_use_fusion_emitters=false"
)
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


@dataclass(frozen=True)
class Limits:
    timeout: float = 120.0  # seconds for one answer, or one --exec snippet
    memory_mb: int | None = 8192  # address space of a worker or snippet; None: no limit

    @property
    def startup(self) -> float:
        """Importing TensorFlow takes 10-30 s on a busy machine: a short --timeout must not stop it."""
        return max(self.timeout, STARTUP_MINIMUM)


def missing_frameworks() -> list[str]:
    """The frameworks verify needs that are not installed (looked up, never imported)."""
    return [name for name in REQUIRED if importlib.util.find_spec(name) is None]


def limit_memory(megabytes: int | None):
    """A preexec_fn capping a child's address space (POSIX; elsewhere no limit is set)."""
    if megabytes is None or os.name != "posix":
        return None

    def apply() -> None:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def child_environment() -> dict[str, str]:
    """What every process verify starts gets: conv_lint importable, CPU only, TensorFlow quiet."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [PACKAGE_ROOT, env.get("PYTHONPATH")]))
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["CUDA_VISIBLE_DEVICES"] = ""  # CPU only: full float32, no TF32 (docs/VERIFY.md: tolerance policy)
    env["JAX_PLATFORMS"] = "cpu"
    return env


def worker_environment(framework: str, cache: str, scratch: str) -> dict[str, str]:
    """``cache``: the folder JAX keeps its compiled programs in (a run's own, or kept between runs);
    ``scratch``: the run's temporary folder, the worker's TMPDIR."""
    env = child_environment()
    # Workers are killed when done (``Worker.close``), so what they leave there (TensorFlow's
    # autograph writes a module per traced function and removes it at exit) goes with the folder.
    env["TMPDIR"] = scratch
    if framework == "tensorflow":
        env["KERAS_BACKEND"] = "tensorflow"  # a KERAS_BACKEND=jax in the user's shell would pull JAX in
    else:
        # XLA compiles every new shape: an initializer's draws take 0.5-2.7 s of CPU with the default
        # options, 0.17 s with these. Convolution outputs stay bit-identical (checked); random draws
        # change in the last bits, which no verdict depends on (docs/VERIFY.md: tolerance policy).
        env["XLA_FLAGS"] = " ".join(filter(None, [env.get("XLA_FLAGS"), XLA_FAST_COMPILE]))
        # JAX's compilation cache: a call and its pinned twin, or the same initializer at the same
        # shape, compile to the same program, which then compiles once; kept between runs (verify's
        # --cache-dir), every program a run has compiled before is read back instead (XLA's compile
        # is about 60 % of a new program's cost; tracing and lowering it are not cached).
        env["JAX_COMPILATION_CACHE_DIR"] = cache
        env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
        env["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] = "0"
    return env


def unpack(message: dict) -> dict:
    """A worker's message with packed float32 values (``serve.packed_float32``) as a NumPy array.

    NumPy only here, in verify's parent: ``stats`` judges these arrays (see its docstring).
    """
    packed = message.pop("values_float32", None)
    if packed is not None:
        import numpy as np

        message["values"] = np.frombuffer(base64.b64decode(packed), dtype="<f4").astype(np.float64)
    return message


def describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        name = signal.Signals(-code).name
        hint = " (killed: out of memory?)" if -code == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"exit status {code}"


@dataclass
class Worker:
    framework: str
    limits: Limits
    cache: str  # the folder the JAX worker keeps compiled programs in
    scratch: str  # the run's temporary folder (TMPDIR)
    info: dict = field(default_factory=dict)  # the ready line: versions, loaded frameworks
    startup_seconds: float | None = None
    restarts: int = 0
    busy_ms: float = 0.0  # time spent answering (wall clock), and the CPU time it took: for the benchmark
    cpu_ms: float = 0.0
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self._stderr = tempfile.TemporaryFile()
        self._lines: queue.Queue = queue.Queue()
        self._started = time.perf_counter()
        self.startup_seconds = None
        self.process = subprocess.Popen(
            [sys.executable, "-m", MODULES[self.framework]],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=worker_environment(self.framework, self.cache, self.scratch),
            preexec_fn=limit_memory(self.limits.memory_mb),
        )
        threading.Thread(target=self._pump, args=(self.process.stdout, self._lines), daemon=True).start()

    @staticmethod
    def _pump(stream, lines: queue.Queue) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)  # end of file: the worker exited

    def _next(self, timeout: float) -> dict:
        """The next message as the worker wrote it (``unpack`` reads its arrays); raises
        queue.Empty after ``timeout``, or EOFError when the worker died."""
        line = self._lines.get(timeout=timeout)
        if line is None:
            raise EOFError
        return json.loads(line)

    def _reason(self, what: str) -> str:
        self.process.wait(timeout=10)
        self._stderr.seek(0)
        tail = [line for line in self._stderr.read().decode(errors="replace").splitlines() if line.strip()][-1:]
        detail = f": {tail[0].strip()[:300]}" if tail else ""
        return f"the {self.framework} worker {what} ({describe_exit(self.process.returncode)}){detail}"

    def _ensure_ready(self) -> None:
        if self.process is None:
            self.start()
        if self.startup_seconds is not None:
            return
        try:
            self.info = unpack(self._next(self.limits.startup))
        except queue.Empty:
            self.kill()
            raise RuntimeError(f"the {self.framework} worker did not start within {self.limits.startup:g} s") from None
        except EOFError:
            raise RuntimeError(self._reason("failed to start")) from None
        self.startup_seconds = time.perf_counter() - self._started

    def run(self, jobs: list[Job], written: dict[int, dict] | None = None) -> None:
        """Answer every job; never raises: a failure becomes the answer of the jobs it hits.
        ``written``: where to put each answer as the worker wrote it, by the job's id()."""
        pending = list(jobs)
        while pending:
            try:
                self._ensure_ready()
            except RuntimeError as error:
                for job in pending:
                    job.answer = {"failure": str(error)}
                return
            batch = [{**job.request, "id": index} for index, job in enumerate(pending)]
            try:
                self.process.stdin.write((worker_message({"batch": batch}) + "\n").encode())
                self.process.stdin.flush()
            except (BrokenPipeError, OSError):
                pass  # the worker died; reading its answers below says how
            while pending:
                job = pending[0]
                try:
                    message = self._next(self.limits.timeout)
                    if written is not None:
                        written[id(job)] = dict(message)
                    job.answer = {**unpack(message), "from_cache": False, "computed_at": now()}
                    self.busy_ms += job.answer.get("ms", 0.0)
                    self.cpu_ms += job.answer.get("cpu_ms", 0.0)
                    pending.pop(0)
                    continue
                except queue.Empty:
                    self.kill()
                    reason = f"the {self.framework} worker timed out after {self.limits.timeout:g} s on this call"
                except EOFError:
                    reason = self._reason("crashed on this call")
                job.answer = {"failure": reason}
                pending.pop(0)
                self.process = None
                if self.restarts >= MAX_RESTARTS:
                    for rest in pending:
                        rest.answer = {"failure": f"not run: the {self.framework} worker failed {self.restarts + 1} times"}
                    return
                self.restarts += 1
                break

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def close(self) -> None:
        """Stop the worker: killed, not asked to exit. Once its answers are in it holds nothing to
        save (JAX writes each program to its compilation cache before answering), and letting
        TensorFlow's and JAX's interpreters tear down took 1.2-1.5 s at the end of every run."""
        if self.process is None:
            return
        self.kill()
        self.process.stdin.close()


class Pool:
    """One worker per framework a run needs; ``run`` answers all jobs, in parallel across workers.

    ``compilation_cache``: the folder JAX keeps its compiled programs in between runs; None keeps
    them in a temporary folder for this run only, removed on close. ``answers``: the workers'
    answers kept between runs (None: every request is computed, and none kept).
    """

    def __init__(self, limits: Limits, compilation_cache: Path | None = None, answers: AnswerCache | None = None) -> None:
        self.limits = limits
        self.workers: dict[str, Worker] = {}
        self.answers = answers
        self.from_cache = 0  # distinct requests answered from ``answers``, and by a worker
        self.computed = 0
        self._temporary = tempfile.TemporaryDirectory(prefix="conv-lint-verify-")
        self._cache = str(compilation_cache) if compilation_cache else self._temporary.name

    def start(self, frameworks: Iterable[str]) -> None:
        """Start workers early, so their imports overlap the parent's own work."""
        for framework in frameworks:
            if framework not in self.workers:
                self.workers[framework] = Worker(framework, self.limits, self._cache, self._temporary.name)
                self.workers[framework].start()

    def run(self, jobs: list[Job]) -> None:
        by_worker: dict[str, list[Job]] = {}
        keys: dict[int, str] = {}
        environments: dict[str, dict[str, str]] = {}
        for job in jobs:
            if job.answer is not None:
                continue
            if self.answers is not None:
                if job.worker not in environments:
                    # The environment a worker of this framework gets (its folders aside: the key reads the rest).
                    environments[job.worker] = worker_environment(job.worker, "", "")
                keys[id(job)] = key = self.answers.key(job.worker, environments[job.worker], job.digest)
                kept = self.answers.get(key)
                if kept is not None:
                    answer, computed = kept
                    job.answer = {**unpack(answer), "from_cache": True, "computed_at": computed}
                    self.from_cache += 1
                    continue
            by_worker.setdefault(job.worker, []).append(job)
        self.computed += sum(map(len, by_worker.values()))
        self.start(by_worker)
        written: dict[int, dict] = {}
        threads = [threading.Thread(target=self.workers[name].run, args=(batch, written)) for name, batch in by_worker.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self.answers is not None:
            for job in (job for batch in by_worker.values() for job in batch):
                if id(job) in written:
                    self.answers.put(keys[id(job)], written[id(job)], job.answer["computed_at"])
            self.answers.save()

    def close(self) -> None:
        for worker in self.workers.values():
            worker.close()
        self._temporary.cleanup()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def answer_cache(settings: Settings, cache_dir: str | None = None, no_cache: bool = False) -> AnswerCache | None:
    """The workers' answers kept in ``verify-answers/`` in conv-lint's cache folder, for the frameworks,
    worker code and host of this run (``answers.Context``); None with ``--no-cache``."""
    if no_cache:
        return None
    return AnswerCache(cache_folder(settings.root, cache_dir) / ANSWERS_FOLDER, Context.current(MODULES.values()))


def compilation_cache(settings: Settings, cache_dir: str | None = None, no_cache: bool = False) -> Path | None:
    """Where the JAX worker keeps compiled programs between runs: ``jax/`` in conv-lint's cache
    folder (``--cache-dir``, else ``.conv-lint-cache`` beside the configuration, as for ``check``).

    None (a temporary folder for the run) with ``--no-cache``, or when the folder cannot be made:
    a read-only checkout costs speed, never a result.
    """
    if no_cache:
        return None
    folder = cache_folder(settings.root, cache_dir)
    try:
        make_folder(folder / "jax")
        make_folder(folder)
    except OSError:
        return None
    return folder / "jax"
