"""Benchmark `conv-lint verify` against the bare import time of TensorFlow plus JAX.

    uv run python benchmarks/verify_bench.py

Everything is measured in the same run, each command in a fresh process, wall time:

- the bare imports: `python -c "import tensorflow"` and `python -c "import jax"` (best of two
  each), summed. With JAX installed, `import tensorflow` imports JAX too (TensorFlow Lite's
  utilities do `from jax import jit`), so this is what a user's program pays;
- `conv-lint verify fixtures/`: verify's own overhead is its time minus that import time
  (its workers import TensorFlow and JAX in parallel, so it can be negative);
- the cost of one more finding once the workers are up: verify on generated files with 5 and
  with 25 calls, every call a distinct configuration; the difference in the time the workers
  spent answering, divided by 20 (so worker start-up, which varies with the machine's load,
  does not count), and the same in CPU time; once for a padding finding (outputs compared,
  fix and pin checked), once for a kernel-initializer finding (16384 draws per side, KS and
  variance-ratio tests).

Each verify runs on a cache folder of its own (`--cache-dir`), in up to three states: cold, the
folder empty, as on a project's first run (every answer computed, every program JAX needs
compiled, both written to the cache); compiled, the workers' answers removed but JAX's compiled
programs kept (what a run pays when the answers' key changed, e.g. conv-lint's worker code, and
the cost of the calls themselves: JAX reads every program back; tracing and lowering it, and
everything TensorFlow does, are not cached); and warm, the same command again with everything
kept: every answer comes from the cache and no worker starts. `verify fixtures/` is run in all
three; the per-finding costs, being the workers' time, cold and compiled. The aims from the
issue are checked at the end. The machine's load average is printed before and after each measurement,
because other processes on the machine inflate every wall time; CPU times are printed beside
the wall times, being what another process cannot inflate (much).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONV_LINT = str(Path(sys.executable).parent / "conv-lint")

# One finding per call: everything but the hazard is written out.
PADDING_CALL = 'keras.layers.Conv1D({f}, {k}, data_format="channels_last", kernel_initializer="he_normal", use_bias=False)'
INIT_CALL = 'keras.layers.Conv1D({f}, {k}, padding="valid", data_format="channels_last", use_bias=False)'


def children_cpu() -> float:
    """CPU seconds of this process's finished children (and theirs: verify waits for its workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    started, cpu = time.perf_counter(), children_cpu()
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    timed.cpu = children_cpu() - cpu  # the command's CPU seconds, which other processes on the machine inflate less
    return time.perf_counter() - started, result


def import_time(module: str) -> float:
    return min(timed([sys.executable, "-c", f"import {module}"])[0] for _ in range(2))


def load() -> str:
    return f"load average {os.getloadavg()[0]:.2f}"


def verify(paths: list[str], cache: Path) -> tuple[float, dict]:
    seconds, result = timed([CONV_LINT, "verify", *paths, "--format", "json", "--cache-dir", str(cache)])
    if result.returncode not in (0, 1, 2) or not result.stdout.startswith("{"):
        raise SystemExit(f"verify failed ({result.returncode}): {result.stderr[-2000:]}")
    return seconds, json.loads(result.stdout)


def forget_answers(cache: Path) -> None:
    """Remove the workers' kept answers, keeping JAX's compiled programs."""
    shutil.rmtree(cache / "verify-answers", ignore_errors=True)


def generated(folder: Path, template: str, calls: int) -> str:
    path = folder / f"{'padding' if template == PADDING_CALL else 'initializer'}_{calls}.py"
    lines = ["import keras", ""]
    lines += [f"layer_{i} = {template.format(f=2 + i % 5, k=2 + i // 5)}" for i in range(calls)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def busy(document: dict) -> tuple[float, float]:
    """Seconds the workers spent answering, wall clock and CPU."""
    workers = document["workers"].values()
    return sum(w["busy_seconds"] for w in workers), sum(w["cpu_seconds"] for w in workers)


def per_finding(template: str, folder: Path) -> dict[str, tuple[float, float]]:
    """Seconds per additional finding once the workers are up, cold and compiled: wall clock and CPU.

    The two files get a cache folder each: with one, the larger file's first five calls would
    find the smaller file's programs there and the cold cost would come out too low.
    """
    files = {calls: generated(folder, template, calls) for calls in (5, 25)}
    documents: dict[str, dict[int, dict]] = {"cold": {}, "compiled": {}}
    for state in documents:
        for calls, path in files.items():
            cache = folder / f"cache_{Path(path).stem}"
            forget_answers(cache)
            documents[state][calls] = verify([path], cache)[1]
    result = {}
    for state, (small, large) in ((state, (runs[5], runs[25])) for state, runs in documents.items()):
        assert large["summary"]["findings"] - small["summary"]["findings"] == 20
        (wall_small, cpu_small), (wall_large, cpu_large) = busy(small), busy(large)
        result[state] = ((wall_large - wall_small) / 20, (cpu_large - cpu_small) / 20)
    return result


def fixtures(cache: Path, state: str, imports: float) -> tuple[float, dict]:
    """Time ``verify fixtures/`` and print it; returns its seconds and JSON document."""
    if state == "compiled":
        forget_answers(cache)
    before = load()
    seconds, document = verify(["fixtures"], cache)
    summary = document["summary"]
    startups = {name: info["startup_seconds"] for name, info in document["workers"].items()}
    overhead = seconds - imports
    busy_wall, busy_cpu = busy(document)
    workers = (f"workers ready after {startups} s, then busy {busy_wall:.1f} s ({busy_cpu:.1f} s CPU)"
               if startups else "no worker started")
    cpu = timed.cpu
    print(f"conv-lint verify fixtures/, {state} cache: {seconds:.2f} s ({cpu:.2f} s CPU) for {summary['findings']} findings "
          f"({summary['verdicts']}); answers {summary['answers']}; {workers} [{before}, after {load()}]")
    print(f"  {seconds / imports:.2f}x the bare imports; overhead {overhead:+.1f} s = {overhead / imports:+.0%} of the import time")
    return seconds, document


def main() -> None:
    print(f"{load()} (on {os.cpu_count()} CPUs)")
    tensorflow, jax = import_time("tensorflow"), import_time("jax")
    imports = tensorflow + jax
    print(f"bare import: tensorflow {tensorflow:.1f} s + jax {jax:.1f} s = {imports:.1f} s [{load()}]")

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        runs = {state: fixtures(folder / "cache_fixtures", state, imports) for state in ("cold", "compiled", "warm")}
        per = {}
        for name, template, what in (("padding", PADDING_CALL, "outputs compared, fix and pin checked"),
                                     ("kernel-initializer", INIT_CALL, "2 x 16384 draws, fix checked")):
            before = load()
            per[name] = per_finding(template, folder)
            for state, (wall, cpu) in per[name].items():
                print(f"one more {name} finding ({what}), {state} cache: {wall * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU)"
                      f" [{before}, after {load()}]")

    print("\naims:")
    for state in ("cold", "compiled"):
        overhead = runs[state][0] - imports
        met = "met" if overhead < imports / 2 else "NOT met"
        print(f"  verify's own overhead < 50% of the import time, {state}: {overhead / imports:+.0%} -> {met}")
    warm, document = runs["warm"]
    met = "met" if warm <= 1.5 * imports else "NOT met"
    print(f"  warm re-run <= 1.5x the bare imports ({imports:.1f} s): {warm:.2f} s = {warm / imports:.2f}x -> {met}")
    met = "met" if warm <= 1.0 and not document["workers"] and not document["summary"]["answers"]["computed"] else "NOT met"
    print(f"  every answer cached: no worker, <= 1 s: {len(document['workers'])} worker(s), "
          f"{document['summary']['answers']}, {warm:.2f} s -> {met}")
    for name, states in per.items():
        for state, (wall, _) in states.items():
            print(f"  < 50 ms per additional {name} finding, {state}: {wall * 1000:.0f} ms -> {'met' if wall < 0.05 else 'NOT met'}")


if __name__ == "__main__":
    main()
