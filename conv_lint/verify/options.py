"""What ``conv-lint verify`` was asked to do, typed: the command line read once, by ``cli``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VerifyOptions:
    paths: tuple[str, ...] = (".",)
    stdin_filename: str | None = None  # the name reported for '-'
    use_noqa: bool = True
    exit_zero: bool = False
    format: str = "text"
    html: str | None = None  # where to write the HTML report too
    input_shape: str | None = None  # --input-shape as written (parsed by ``command.parse_shape``)
    seed: int = 0
    timeout: float = 120.0  # seconds per worker answer, worker start and snippet
    memory_mb: int | None = 8192  # address space of each worker and snippet; None: no limit
    cache_dir: str | None = None  # where the workers' answers and JAX's compiled programs are kept
    no_cache: bool = False  # compute every answer, keep nothing
    run_files: bool = False  # --exec: run the files themselves instead of each finding's call
