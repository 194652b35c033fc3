"""Benchmark `conv-lint fix` against `conv-lint check --no-cache` on the benchmark corpus.

    uv run python benchmarks/bench_fix.py            # builds the pinned corpus first (benchmarks/corpus.py)

`fix` writes files, so each run works on a fresh copy of the corpus (copied before the clock
starts). Each command takes the best of three runs in a fresh process; the table gives wall time,
peak memory and the ratio to `check --no-cache`. The target from the speed issue (fix and fix
--diff at most 1.5 x check --no-cache) is checked at the end.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench_check import BIN, measure
from corpus import build, describe

TARGET = 1.5


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
    rows: dict[str, tuple[float, float]] = {}
    rows["check --no-cache"] = measure([conv_lint, "check", "--exit-zero", "--no-cache", str(sources)], 3)
    rows["fix --diff --no-cache"] = measure([conv_lint, "fix", "--diff", "--exit-zero", "--no-cache", str(sources)], 3)
    rows["fix --no-cache (writes a copy)"] = measure(
        [conv_lint, "fix", "--exit-zero", "--no-cache", str(copy)], 3, before=fresh_copy
    )
    # The first of the three runs fills the cache; the best is a warm one.
    rows["fix, warm cache (writes a copy)"] = measure(
        [conv_lint, "fix", "--exit-zero", "--cache-dir", str(cache), str(copy)], 3, before=fresh_copy
    )
    check, _ = rows["check --no-cache"]
    print("\n| command | wall time (s) | peak memory (MB) | × check --no-cache |\n|---|---|---|---|")
    for name, (seconds, megabytes) in rows.items():
        print(f"| {name} | {seconds:.2f} | {megabytes:.0f} | {seconds / check:.2f} |")
    print()
    failed = 0
    for name in ("fix --diff --no-cache", "fix --no-cache (writes a copy)"):
        ratio = rows[name][0] / check
        ok = ratio <= TARGET
        failed += not ok
        print(f"{'ok  ' if ok else 'MISS'} {name} ≤ {TARGET} × check --no-cache: {ratio:.2f}")
    shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
