"""Benchmark `conv-lint check` and the flake8 plugin against flake8 (and ruff, if installed).

    uv run python benchmarks/bench_check.py            # builds the pinned corpus first (benchmarks/corpus.py)

Every command runs on the same corpus in the same run, in a fresh process; the table gives wall
time, peak memory (the largest resident set of the command and its workers) and the ratio to
`flake8 -j1` with its default rules. Fast commands take the best of three runs; flake8 runs once.
The targets from the speed issue are checked at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from corpus import build, describe

BIN = Path(sys.executable).parent
# Runs a command and reports its wall time and the peak RSS of all its descendants (KiB).
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def measure(command: list[str], repeat: int = 1, before=None) -> tuple[float, float]:
    """Best wall time (s) and its peak memory (MB) over ``repeat`` runs."""
    best = (float("inf"), 0.0)
    for _ in range(repeat):
        if before:
            before()
        output = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True)
        seconds, kib = output.stdout.split()
        best = min(best, (float(seconds), int(kib) / 1024))
    return best


def main() -> int:
    sources = build()
    print(f"corpus: {describe(sources)}")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {sys.platform}")
    cache = Path(tempfile.mkdtemp(prefix="conv-lint-bench-"))
    conv_lint = [str(BIN / "conv-lint"), "check", "--exit-zero", "--cache-dir", str(cache), str(sources)]
    flake8 = [str(BIN / "flake8"), "-j1", "--exit-zero"]
    rows: dict[str, tuple[float, float]] = {}
    rows["flake8 -j1 (default rules)"] = measure([*flake8, str(sources)])
    rows["flake8 -j1 --select E999 (parse only)"] = measure([*flake8, "--select", "E999", str(sources)])
    rows["flake8 -j1 --select CNV (plugin)"] = measure([*flake8, "--select", "CNV", str(sources)])
    rows["conv-lint check, cold cache"] = measure(conv_lint, 3, before=lambda: shutil.rmtree(cache, ignore_errors=True))
    rows["conv-lint check -j1, cold cache"] = measure(
        [*conv_lint[:2], "-j1", *conv_lint[2:]], 3, before=lambda: shutil.rmtree(cache, ignore_errors=True)
    )
    rows["conv-lint check, warm cache"] = measure(conv_lint, 3)
    ruff = shutil.which("ruff") or (str(BIN / "ruff") if (BIN / "ruff").exists() else None)
    if ruff:
        rows["ruff check --no-cache (default rules)"] = measure([ruff, "check", "--no-cache", "--exit-zero", "--isolated", str(sources)], 3)
    one_file = Path(cache) / "one.py"
    one_file.write_text("import keras\nlayer = keras.layers.Conv1D(8, 3)\n")
    rows["conv-lint check one.py (editor case)"] = measure([str(BIN / "conv-lint"), "check", "--exit-zero", "--no-cache", str(one_file)], 5)
    rows['python -c "import libcst"'] = measure([sys.executable, "-c", "import libcst"], 5)

    flake8_time = rows["flake8 -j1 (default rules)"][0]
    print(f"\n| command | wall time (s) | peak memory (MB) | × flake8 |\n|---|---|---|---|")
    for name, (seconds, megabytes) in rows.items():
        print(f"| {name} | {seconds:.2f} | {megabytes:.0f} | {seconds / flake8_time:.3f} |")

    cold, _ = rows["conv-lint check, cold cache"]
    warm, _ = rows["conv-lint check, warm cache"]
    plugin, _ = rows["flake8 -j1 --select CNV (plugin)"]
    parse_only, _ = rows["flake8 -j1 --select E999 (parse only)"]
    editor, _ = rows["conv-lint check one.py (editor case)"]
    libcst_import, _ = rows['python -c "import libcst"']
    memory = max(rows["conv-lint check, cold cache"][1], rows["conv-lint check, warm cache"][1])
    targets = [
        ("cold check ≤ 1/10 of flake8", cold / flake8_time, 0.1),
        ("warm check ≤ 1/50 of flake8", warm / flake8_time, 0.02),
        ("flake8 --select CNV ≤ 1.2 × --select E999", plugin / parse_only, 1.2),
        ("peak memory of check < 300 MB", memory, 300),
        ("one file ≤ 1.5 × import libcst", editor / libcst_import, 1.5),
    ]
    failed = report_targets(targets)
    shutil.rmtree(cache, ignore_errors=True)
    return 1 if failed else 0


def report_targets(targets: list[tuple[str, float, float]]) -> int:
    """Print each (name, value, limit) as met or missed; how many were missed."""
    print()
    failed = 0
    for name, value, limit in targets:
        ok = value <= limit
        failed += not ok
        print(f"{'ok  ' if ok else 'MISS'} {name}: {value:.3f} (limit {limit})")
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
