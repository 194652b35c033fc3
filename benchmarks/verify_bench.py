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

Each verify is run twice on a cache folder of its own (`--cache-dir`): cold, the folder empty,
as on a project's first run (every program JAX needs is compiled, and written to the cache),
and warm, the same command again (JAX reads every compiled program back; tracing and lowering
it, and everything TensorFlow does, are not cached). The aims from the issue are checked at
the end, on both. The machine's load average is printed before and after each measurement,
because other processes on the machine inflate every wall time; CPU times are printed beside
the wall times, being what another process cannot inflate (much).
"""

from __future__ import annotations

import json
import os
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


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
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
    """Seconds per additional finding once the workers are up, cold and warm: wall clock and CPU.

    The two files get a cache folder each: with one, the larger file's first five calls would
    find the smaller file's programs there and the cold cost would come out too low.
    """
    files = {calls: generated(folder, template, calls) for calls in (5, 25)}
    documents: dict[str, dict[int, dict]] = {"cold": {}, "warm": {}}
    for state in documents:
        for calls, path in files.items():
            documents[state][calls] = verify([path], folder / f"cache_{Path(path).stem}")[1]
    result = {}
    for state, (small, large) in ((state, (runs[5], runs[25])) for state, runs in documents.items()):
        assert large["summary"]["findings"] - small["summary"]["findings"] == 20
        (wall_small, cpu_small), (wall_large, cpu_large) = busy(small), busy(large)
        result[state] = ((wall_large - wall_small) / 20, (cpu_large - cpu_small) / 20)
    return result


def fixtures(cache: Path, state: str, imports: float) -> float:
    """Time ``verify fixtures/`` and print it; returns verify's own overhead over the imports."""
    before = load()
    seconds, document = verify(["fixtures"], cache)
    summary = document["summary"]
    startups = {name: info["startup_seconds"] for name, info in document["workers"].items()}
    overhead = seconds - imports
    busy_wall, busy_cpu = busy(document)
    print(f"conv-lint verify fixtures/, {state} cache: {seconds:.1f} s for {summary['findings']} findings "
          f"({summary['verdicts']}); workers ready after {startups} s, then busy {busy_wall:.1f} s ({busy_cpu:.1f} s CPU)"
          f" [{before}, after {load()}]")
    print(f"  overhead over the bare imports: {overhead:+.1f} s = {overhead / imports:+.0%} of the import time")
    return overhead


def main() -> None:
    print(f"{load()} (on {os.cpu_count()} CPUs)")
    tensorflow, jax = import_time("tensorflow"), import_time("jax")
    imports = tensorflow + jax
    print(f"bare import: tensorflow {tensorflow:.1f} s + jax {jax:.1f} s = {imports:.1f} s [{load()}]")

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        overheads = {state: fixtures(folder / "cache_fixtures", state, imports) for state in ("cold", "warm")}
        per = {}
        for name, template, what in (("padding", PADDING_CALL, "outputs compared, fix and pin checked"),
                                     ("kernel-initializer", INIT_CALL, "2 x 16384 draws, fix checked")):
            before = load()
            per[name] = per_finding(template, folder)
            for state, (wall, cpu) in per[name].items():
                print(f"one more {name} finding ({what}), {state} cache: {wall * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU)"
                      f" [{before}, after {load()}]")

    print("\naims:")
    for state, overhead in overheads.items():
        met = "met" if overhead < imports / 2 else "NOT met"
        print(f"  verify's own overhead < 50% of the import time, {state}: {overhead / imports:+.0%} -> {met}")
    for name, states in per.items():
        for state, (wall, _) in states.items():
            print(f"  < 50 ms per additional {name} finding, {state}: {wall * 1000:.0f} ms -> {'met' if wall < 0.05 else 'NOT met'}")


if __name__ == "__main__":
    main()
