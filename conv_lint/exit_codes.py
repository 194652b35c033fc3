"""The exit codes of every conv-lint command, and the one way a command ends.

As Fixit and ruff: 0 nothing found (or ``--exit-zero``), 1 something found (``check``: findings;
``fix``: findings left, or with ``--diff``/``--check`` a file that would change; ``verify``: a
divergence confirmed or a fix or pin that failed), 2 a usage error, a file that could not be
read or parsed (the other files are still handled), or a missing optional dependency.
"""

from __future__ import annotations

import sys

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM, as a shell reports a process killed by SIGINT


def print_error(message: str) -> None:
    """One error line on stderr, in the form every conv-lint command uses."""
    print(f"conv-lint: error: {message}", file=sys.stderr)


def exit_code(errors: list[str], found: bool, exit_zero: bool) -> int:
    """A command's exit code: errors win over findings, and ``--exit-zero`` turns findings (never
    errors) into success."""
    if errors:
        return EXIT_ERROR
    return EXIT_FOUND if found and not exit_zero else EXIT_CLEAN


def finish(errors: list[str], found: bool, exit_zero: bool) -> int:
    """The usual ending: ``errors`` printed after the command's output, then its exit code."""
    for message in errors:
        print_error(message)
    return exit_code(errors, found, exit_zero)

