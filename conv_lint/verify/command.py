"""``conv-lint verify``: run each finding's call in real TensorFlow and JAX and report what holds.

The same files, selection and ``# noqa`` as ``check``; then, per finding, the checks of
``planning.plan``, run in the worker pool (``workers.pool``), judged by ``judging.verdict`` and
rendered by ``rendering.report``. ``--exec`` runs the files themselves instead
(``execution.exec_mode``). ``pin_refusals`` is the pin check of ``conv-lint fix --verify``.

Exit codes: 0 nothing confirmed and every fix and pin held, 1 a divergence was confirmed or
a fix or pin failed, 2 usage errors, unreadable files, or TensorFlow/JAX not installed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from conv_lint.analyzer import SourceError, analyze_source
from conv_lint.config import Settings
from conv_lint.exit_codes import EXIT_ERROR, finish, print_error
from conv_lint.fix import FixOptions, fix_source, pin_key
from conv_lint.runner import discover, select_findings
from conv_lint.verify.judging.verdict import PIN_NONE, PIN_VERIFIED, Result, judge, judge_pin
from conv_lint.verify.options import VerifyOptions
from conv_lint.verify.planning.probe import Probe
from conv_lint.verify.planning.plan import Check, Jobs, Planner
from conv_lint.verify.planning.values import Evaluator
from conv_lint.verify.rendering import report
from conv_lint.verify.workers.pool import Limits, Pool, answer_cache, compilation_cache, missing_frameworks

# conv-lint is not on PyPI (README: Install): the extra is installed from a checkout.
INSTALL_HINT = 'in a checkout of conv-lint, pip install ".[verify]" (or uv sync)'


def missing_frameworks_error(command: str) -> str:
    """The one line to print when ``command`` cannot run for want of TensorFlow or JAX ("" if both are there)."""
    missing = missing_frameworks()
    if not missing:
        return ""
    verb = "is" if len(missing) == 1 else "are"
    return f"{command} runs TensorFlow and JAX, and {' and '.join(missing)} {verb} not installed: {INSTALL_HINT}"


def parse_shape(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    try:
        shape = tuple(int(part) for part in text.replace("x", ",").split(",") if part.strip())
    except ValueError:
        shape = ()
    if not 3 <= len(shape) <= 5 or min(shape) < 1:
        raise ValueError(f"--input-shape {text!r}: expected N,spatial...,C (channels-last, 1 to 3 spatial sizes)")
    return shape


def run_verify(options: VerifyOptions, settings: Settings) -> int:
    missing = missing_frameworks_error("verify")
    if missing:
        print_error(missing)
        return EXIT_ERROR
    try:
        probe = Probe(seed=options.seed, input_shape=parse_shape(options.input_shape))
    except ValueError as why:
        print_error(str(why))
        return EXIT_ERROR
    limits = Limits(timeout=options.timeout, memory_mb=options.memory_mb)
    if options.run_files:
        from conv_lint.verify.execution.exec_mode import run_exec

        return run_exec(options, settings, limits)
    started = time.perf_counter()
    errors: list[str] = []
    answers = answer_cache(settings, options.cache_dir, options.no_cache)
    with Pool(limits, compilation_cache(settings, options.cache_dir, options.no_cache), answers) as pool:
        if answers is None or answers.empty:
            pool.start(("tensorflow", "jax"))  # nothing kept to answer from: their imports overlap the analysis below
        jobs = Jobs()
        checks = plan_paths(options, settings, Planner(probe, jobs), errors)
        needed = {job.worker for job in jobs.all()}
        for name, worker in pool.workers.items():
            if name not in needed:
                worker.kill()
        pool.run(jobs.all())
        results = [judged(check) for check in checks]
        workers = {name: worker for name, worker in pool.workers.items() if name in needed}
        tally = report.AnswerTally(from_cache=pool.from_cache, computed=pool.computed)
    elapsed = time.perf_counter() - started
    sys.stdout.write(report.render(results, options.format, workers, probe, elapsed, tally))
    if options.html:
        Path(options.html).write_text(report.html(results, workers, probe, tally), encoding="utf-8")
    return finish(errors, found=any(result.failed for result in results), exit_zero=options.exit_zero)


def judged(check: Check) -> Result:
    """The check's verdicts, with where its answers came from (``Result.answers``)."""
    result = judge(check)
    answers = [job.answer for comparison in check.comparisons()
               for _, *jobs, _ in comparison.runs for job in jobs if job.answer is not None]
    kept = sorted(answer.get("computed_at", "") for answer in answers if answer.get("from_cache"))
    result.answers = {"from_cache": len(kept), "computed": len(answers) - len(kept),
                      "computed_at": kept[0] if kept else None}
    return result


def plan_paths(options: VerifyOptions, settings: Settings, planner: Planner, errors: list[str]) -> list[Check]:
    """Every selected finding under ``options.paths``, planned."""
    files = []
    for source in discover(list(options.paths), settings, errors, options.stdin_filename):
        try:
            files.append((source.display, source.read()))
        except OSError as error:
            errors.append(f"{source.display}: cannot read: {error.strerror or error}")
    return plan_files(files, settings, planner, FixOptions(unsafe=True, use_noqa=options.use_noqa), errors)


def plan_files(
    files: list[tuple[str, bytes]],
    settings: Settings,
    planner: Planner,
    fix_options: FixOptions,
    errors: list[str],
    pin_only: bool = False,
) -> list[Check]:
    """Every selected finding in ``files`` (display name, content), planned; the pins checked are
    those ``conv-lint fix`` writes with ``fix_options``."""
    checks: list[Check] = []
    for display, data in files:
        try:
            analysis = analyze_source(data, display, frameworks=settings.frameworks)
        except SourceError as error:
            errors.append(f"{display}:{error.line}:{error.column}: {error.reason}")
            continue
        if analysis is None:
            continue
        findings = select_findings(analysis.findings, data, settings, display, fix_options.use_noqa)
        if not findings:
            continue
        pins = _pins(data, display, settings, fix_options, analysis)
        evaluator = Evaluator(analysis)
        for finding in findings:
            checks.append(planner.plan_candidates(finding, evaluator.arguments, pins.get(pin_key(finding), _NO_PIN), pin_only))
    return checks


def pin_refusals(files: list[tuple[str, bytes]], settings: Settings, fix_options: FixOptions,
                 cache_dir: str | None = None, no_cache: bool = False) -> dict[tuple, str]:
    """For ``conv-lint fix --verify``: each pin the fix would write in ``files``, run as written and
    as pinned, in its own framework. Returns the pins that did not give bit-identical outputs, or
    could not be run, with why (keyed by ``fix.pin_key``). Files that do not parse are left out:
    fixing them reports them. ``cache_dir``, ``no_cache``: fix's options, as verify reads them."""
    answers = answer_cache(settings, cache_dir, no_cache)
    with Pool(Limits(), compilation_cache(settings, cache_dir, no_cache), answers) as pool:
        if answers is None or answers.empty:
            pool.start(("tensorflow", "jax"))
        jobs = Jobs()
        checks = plan_files(files, settings, Planner(Probe(), jobs), fix_options, [], pin_only=True)
        pool.run(jobs.all())
    refused = {}
    for check in checks:
        pin = judge_pin(check)
        if pin.status not in (PIN_VERIFIED, PIN_NONE):  # NO PIN: the fix writes nothing, and says why itself
            refused[pin_key(check.finding)] = f"{pin.status}: {pin.summary}"
    return refused


_NO_PIN = "conv-lint fix writes no pin for this finding"


def _pins(data: bytes, display: str, settings: Settings, fix_options: FixOptions, analysis) -> dict[tuple, dict | str]:
    """What ``conv-lint fix`` writes with ``fix_options``, per finding: the pinned call's arguments, or why not.

    The fixed source is analyzed again; it has the same conv calls in the same order (a pin
    adds keywords and imports, never a conv call), so the i-th call is the i-th call pinned.
    ``fix_source`` parses the file itself: its findings are matched to ours by position.
    """
    try:
        fixed = fix_source(data, display, settings, fix_options)
        pinned = analyze_source(fixed.fixed, display)
    except SourceError as error:
        return {pin_key(f): f"conv-lint fix failed: {error.reason}" for f in analysis.findings}
    pins: dict[tuple, dict | str] = {pin_key(item.finding): f"conv-lint fix does not pin it: {item.reason}" for item in fixed.not_fixed}
    if pinned is None or len(pinned.calls) != len(analysis.calls):
        return pins
    evaluator = Evaluator(pinned)
    position = {id(call.node): index for index, call in enumerate(analysis.calls)}
    ours = {pin_key(finding): finding for finding in analysis.findings if finding.call is not None}
    for finding in fixed.fixed_findings:
        own = ours.get(pin_key(finding))
        if own is not None:
            pins[pin_key(finding)] = evaluator.arguments(pinned.calls[position[id(own.call.node)]])
    return pins
