"""Benchmark `conv-lint fix` against `conv-lint check --no-cache` on the benchmark corpus.

    uv run python benchmarks/bench_fix.py            # builds the pinned corpus first (benchmarks/corpus.py)

`fix` writes files, so each run works on a fresh copy of the corpus (copied before the clock
starts). Each command takes the best of three runs in a fresh process, the commands taking turns; the table gives wall time,
peak memory and the ratio to `check --no-cache`. The target from the speed issue (fix and fix
--diff at most 1.5 x check --no-cache) is checked at the end.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench_check import BIN, measure, report_targets
from corpus import build, describe

TARGET = 1.5
ROUNDS = 3


def main() -> int:
    sources = build()
    print(f"corpus: {describe(sources)}")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {sys.platform}")
    scratch = Path(tempfile.mkdtemp(prefix="conv-lint-bench-fix-"))
    copy = scratch / "src"
    cache = scratch / "cache"

    def fresh_copy() -> None:
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(sources, copy)

    conv_lint = str(BIN / "conv-lint")
    commands = {
        "check --no-cache": ([conv_lint, "check", "--exit-zero", "--no-cache", str(sources)], None),
        "fix --diff --no-cache": ([conv_lint, "fix", "--diff", "--exit-zero", "--no-cache", str(sources)], None),
        "fix --no-cache (writes a copy)": ([conv_lint, "fix", "--exit-zero", "--no-cache", str(copy)], fresh_copy),
        # The first round fills the cache; the best is a warm run.
        "fix, warm cache (writes a copy)": ([conv_lint, "fix", "--exit-zero", "--cache-dir", str(cache), str(copy)], fresh_copy),
    }
    # Rounds take turns, so a machine busy with something else slows every command alike.
    rows: dict[str, tuple[float, float]] = {name: (float("inf"), 0.0) for name in commands}
    for _ in range(ROUNDS):
        for name, (command, before) in commands.items():
            rows[name] = min(rows[name], measure(command, 1, before=before))
    check, _ = rows["check --no-cache"]
    print("\n| command | wall time (s) | peak memory (MB) | × check --no-cache |\n|---|---|---|---|")
    for name, (seconds, megabytes) in rows.items():
        print(f"| {name} | {seconds:.2f} | {megabytes:.0f} | {seconds / check:.2f} |")
    targets = [
        (f"{name} ≤ {TARGET} × check --no-cache", rows[name][0] / check, TARGET)
        for name in ("fix --diff --no-cache", "fix --no-cache (writes a copy)")
    ]
    failed = report_targets(targets)
    shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
