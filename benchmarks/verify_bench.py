"""Benchmark `conv-lint verify` against the bare import time of TensorFlow plus JAX.

    uv run python benchmarks/verify_bench.py

Everything is measured in the same run, each command in a fresh process, wall time:

- the bare imports: `python -c "import tensorflow"` and `python -c "import jax"` (best of two
  each), summed. With JAX installed, `import tensorflow` imports JAX too (TensorFlow Lite's
  utilities do `from jax import jit`), so this is what a user's program pays;
- `conv-lint verify fixtures/`: verify's own overhead is its time minus that import time
  (its workers import TensorFlow and JAX in parallel, so it can be negative);
- the cost of one more finding once the workers are up: verify on generated files with 5 and
  with 25 calls, every call a distinct configuration (nothing is shared or cached between
  them); the difference in the time the workers spent answering, divided by 20 (so worker
  start-up, which varies with the machine's load, does not count), and the same in CPU time;
  once for a padding finding (outputs compared, fix and pin checked), once for a
  kernel-initializer finding (16384 draws per side, KS and variance-ratio tests).

The aims from the issue are checked at the end. The machine's load average is printed,
because other processes on the machine inflate every wall time.
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


def verify(paths: list[str]) -> tuple[float, dict]:
    seconds, result = timed([CONV_LINT, "verify", *paths, "--format", "json"])
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


def per_finding(template: str, folder: Path) -> tuple[float, float]:
    """Seconds per additional finding once the workers are up: wall clock and CPU."""
    _, small = verify([generated(folder, template, 5)])
    _, large = verify([generated(folder, template, 25)])
    assert large["summary"]["findings"] - small["summary"]["findings"] == 20
    (wall_small, cpu_small), (wall_large, cpu_large) = busy(small), busy(large)
    return (wall_large - wall_small) / 20, (cpu_large - cpu_small) / 20


def main() -> None:
    print(f"load average before: {os.getloadavg()[0]:.2f} (on {os.cpu_count()} CPUs)")
    tensorflow, jax = import_time("tensorflow"), import_time("jax")
    imports = tensorflow + jax
    print(f"bare import: tensorflow {tensorflow:.1f} s + jax {jax:.1f} s = {imports:.1f} s")

    seconds, document = verify(["fixtures"])
    summary = document["summary"]
    startups = {name: info["startup_seconds"] for name, info in document["workers"].items()}
    overhead = seconds - imports
    busy_wall, busy_cpu = busy(document)
    print(f"conv-lint verify fixtures/: {seconds:.1f} s for {summary['findings']} findings "
          f"({summary['verdicts']}); workers ready after {startups} s, then busy {busy_wall:.1f} s ({busy_cpu:.1f} s CPU)")
    print(f"  overhead over the bare imports: {overhead:+.1f} s = {overhead / imports:+.0%} of the import time")

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        padding, padding_cpu = per_finding(PADDING_CALL, folder)
        print(f"one more padding finding (outputs compared, fix and pin checked): {padding * 1000:.0f} ms"
              f" ({padding_cpu * 1000:.0f} ms CPU)")
        initializer, initializer_cpu = per_finding(INIT_CALL, folder)
        print(f"one more kernel-initializer finding (2 x 16384 draws, fix checked): {initializer * 1000:.0f} ms"
              f" ({initializer_cpu * 1000:.0f} ms CPU)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")

    print("\naims:")
    met = "met" if overhead < imports / 2 else "NOT met"
    print(f"  verify's own overhead < 50% of the import time: {overhead / imports:+.0%} -> {met}")
    for name, value in (("padding", padding), ("kernel-initializer", initializer)):
        print(f"  < 50 ms per additional {name} finding: {value * 1000:.0f} ms -> {'met' if value < 0.05 else 'NOT met'}")


if __name__ == "__main__":
    main()
