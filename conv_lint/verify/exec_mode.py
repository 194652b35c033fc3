"""``conv-lint verify --exec``: run the files themselves, then replay each recorded call elsewhere.

Each file runs in its own sandboxed process (``conv_lint.verify.recorder``): a temporary
working directory, stdin closed, the --timeout (the process group is killed after it) and
the --memory-limit (address space). That stops a runaway snippet, not a hostile one: the
snippet can still read and write files and use the network as the user can.

Every conv call the snippet makes is recorded with its real input, kernel, bias and output.
Each is then replayed in the other framework on those very arrays, twice: with its settings
written out (the replay must agree: that proves the recording and the translation), and as
a port relying on the other framework's defaults (which shows the divergence a user meets).
Calls from different files that received the same input are compared with each other.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from conv_lint.catalog import CATALOG, PADDING
from conv_lint.config import Settings
from conv_lint.runner import discover
from conv_lint.verify import compare, report
from conv_lint.verify.command import EXIT_CLEAN, EXIT_ERROR, EXIT_FAILED, error
from conv_lint.verify.compare import AGREE, DIFFER
from conv_lint.verify.families import FLAX, KERAS, LAX, TF_NN, Call, Conv, Probe, Unsupported, family_of
from conv_lint.verify.plan import Comparison, Job, Jobs, run_request
from conv_lint.verify.pool import Limits, Pool, child_environment, limit_memory
from conv_lint.verify.values import Known, NotStatic
from conv_lint.verify.verdict import (
    AGREES,
    CONFIRMED,
    DIFFERS,
    NOT_CONFIRMED,
    REPLAY_AGREES,
    REPLAY_DIFFERS,
    UNVERIFIABLE,
    Step,
    step,
)

RECORDED = "recorded"  # the worker name of a run that already happened, in the snippet itself
TAIL = 2000  # characters of a snippet's output kept for the report


@dataclass
class Snippet:
    path: str
    seconds: float = 0.0
    returncode: int | None = None
    failure: str = ""
    stdout: str = ""
    stderr: str = ""
    records: list[dict] = field(default_factory=list)


@dataclass
class Replay:
    """One recorded call and what verify does with it."""

    snippet: Snippet
    record: dict
    conv: Conv | None = None
    unverifiable: str = ""
    comparisons: list[tuple[dict[str, str], Comparison]] = field(default_factory=list)  # (statuses, comparison)
    steps: list[Step] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.snippet.path}:{self.record.get('line') or '?'}"


def run_snippet(path: Path, limits: Limits) -> Snippet:
    snippet = Snippet(str(path))
    with tempfile.TemporaryDirectory(prefix="conv-lint-exec-") as folder:
        records = Path(folder) / ".conv-lint-records.jsonl"
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "conv_lint.verify.recorder", str(path.resolve()), str(records)],
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child_environment(),
            preexec_fn=limit_memory(limits.memory_mb),
            start_new_session=True,  # its own process group, so a timeout kills what it started too
        )
        try:
            stdout, stderr = process.communicate(timeout=limits.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            snippet.failure = f"timed out after {limits.timeout:g} s (killed)"
        snippet.seconds = time.perf_counter() - started
        snippet.returncode = process.returncode
        snippet.stdout = stdout.decode(errors="replace")[-TAIL:]
        snippet.stderr = stderr.decode(errors="replace")[-TAIL:]
        if not snippet.failure and process.returncode:
            last = [line for line in snippet.stderr.splitlines() if line.strip()][-1:] or [""]
            out_of_memory = "MemoryError" in snippet.stderr or process.returncode == -signal.SIGKILL
            memory = " (out of memory: --memory-limit)" if out_of_memory else ""
            snippet.failure = f"exited with status {process.returncode}{memory}: {last[0].strip()}"
        if records.exists():
            snippet.records = [json.loads(line) for line in records.read_text().splitlines() if line.strip()]
    return snippet


def _conv(record: dict) -> Conv:
    """The recorded call as a ``Conv``, its kernel taken from the recorded array."""
    api = CATALOG.lookup(record["api"])
    if api is None:
        raise Unsupported(f"{record['api']} is not in the catalog")
    kernel_shape = record["kernel"]["shape"]  # channels-last: spatial..., in, out
    settings = {name: _tuples(value) for name, value in record["settings"].items() if value is not None}
    args = {name: Known(repr(value), value) for name, value in settings.items()}
    probe = Probe(kernel_size=kernel_shape[0], filters=kernel_shape[-1], input_shape=tuple(record["input"]["shape"]))
    conv = family_of(api.name).read(api, args, probe)
    groups = conv.groups
    return replace(conv, kernel_size=tuple(kernel_shape[:-2]), filters=kernel_shape[-1], in_channels=kernel_shape[-2] * groups)


def _tuples(value):
    """JSON's lists back into the tuples the call was made with (strides, padding pairs)."""
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value


def _tolerance(record: dict) -> compare.Tolerance:
    """The rounding bound of the recorded call's output (``compare``'s tolerance policy)."""
    kernel, bias = record["kernel"], record.get("bias")
    return compare.tolerance(record["input"]["values"], kernel["values"], kernel["shape"], bias["values"] if bias else None)


def _recorded_call(record: dict) -> Call:
    """The recorded call, for labels: its API and settings as it made them."""
    settings = tuple((name, repr(value)) for name, value in record.get("settings", {}).items())
    return Call(record["api"], settings, RECORDED, RECORDED, "", "")


# How each replay is judged: written out it must agree; on the other side's defaults it shows the divergence.
REPLAYED = {AGREE: REPLAY_AGREES, DIFFER: REPLAY_DIFFERS}
PORTED = {DIFFER: CONFIRMED, AGREE: NOT_CONFIRMED}


def _recorded_answer(record: dict) -> dict:
    output = record["output"]
    return {"output": {"shape": output["native_shape"], "values": output["values"], "dtype": output["dtype"]},
            "canonical": {"shape": output["shape"], "values": output["values"]}}


def _targets(family_name: str, conv: Conv) -> tuple[tuple[str, object], tuple[str, object]]:
    """Where a recorded call is replayed: written out, and as a port on the other side's defaults."""
    if family_name == "keras":
        return ("flax.linen.Conv with the settings written out", FLAX.write(conv)), (
            "ported to flax.linen.Conv relying on its defaults", FLAX.write(conv, frozenset({PADDING})))
    if family_name == "convolve":
        layer = replace(conv, flip=False)
        return ("tf.nn.convolution with the kernel reversed and the padding written out",
                replace(TF_NN.write(replace(conv, channels_last=True)), flip=True)), (
            "a Keras conv layer holding the same kernel", KERAS.write(layer, frozenset({PADDING})))
    if family_name == "tf.nn":
        return ("jax.lax.conv_general_dilated with the settings written out", LAX.write(replace(conv, channels_last=True))), (
            "ported to flax.linen.Conv relying on its defaults", FLAX.write(replace(conv, use_bias=False), frozenset({PADDING})))
    return ("tf.nn.convolution with the settings written out", TF_NN.write(replace(conv, channels_last=True))), (
        "ported to keras.layers.Conv relying on its defaults", KERAS.write(replace(conv, use_bias=False), frozenset({PADDING})))


def plan_replay(snippet: Snippet, record: dict, jobs: Jobs, seed: int) -> Replay:
    replay = Replay(snippet, record)
    if "error" in record:
        replay.unverifiable = f"the call could not be recorded: {record['error']}"
        return replay
    arrays = [record["input"], record["kernel"], record["output"], *([record["bias"]] if record.get("bias") else [])]
    if any(array.get("values") is None for array in arrays):
        traced = any(array.get("traced") for array in arrays)
        replay.unverifiable = ("called under jax.jit or tf.function: the values are tracers" if traced
                               else "an array is too large to record")
        return replay
    activation = record["settings"].get("activation")
    if activation not in (None, "linear"):
        replay.unverifiable = f"activation={activation!r} is applied inside the layer: verify replays linear layers"
        return replay
    try:
        conv = replay.conv = _conv(record)
        family = family_of(record["api"])
        targets = _targets(family.name, conv)
    except (NotStatic, Unsupported, KeyError, ValueError) as why:
        replay.unverifiable = f"cannot translate this call: {why}"
        return replay
    recorded = Job(RECORDED, {}, _recorded_answer(record))
    tolerance = _tolerance(record)
    size = tuple(record["input"]["shape"][1:-1])
    native_name = record["api"] + (f" (via {record['via']})" if record.get("via") else "")
    for statuses, (title, call) in zip((REPLAYED, PORTED), targets):
        job = jobs.add(call.worker, run_request(call, conv.rank, record["input"], record["kernel"], record.get("bias"), seed))
        calls = (_recorded_call(record), call)
        comparison = Comparison(title, calls, (native_name, call.api), "values", [(size, recorded, job, tolerance)])
        replay.comparisons.append((statuses, comparison))
    return replay


def describe(replay: Replay) -> dict:
    """What a recorded call did, in one vocabulary for every framework (to compare files with)."""
    conv, record = replay.conv, replay.record
    size = tuple(record["input"]["shape"][1:-1])
    return {
        "input": tuple(record["input"]["shape"]),
        "output": tuple(record["output"]["native_shape"]),
        "kernel read as": f"{record['kernel']['letters'] or 'signal'} {tuple(record['kernel']['native_shape'])}",
        "kernel size": conv.kernel_size,
        "filters": conv.filters,
        "strides": conv.strides,
        "dilation": conv.dilation,
        "padding": f"{conv.padding} = {conv.padding_pairs(size)} at length {size[0] if len(set(size)) == 1 else size}",
        "kernel reversed": conv.flip,
        "bias": bool(record.get("bias")),
    }


def across_files(replays: list[Replay]) -> list[Step]:
    """Calls in different files that got the same input: what differs between them."""
    steps = []
    usable = [replay for replay in replays if replay.conv is not None]
    for index, first in enumerate(usable):
        for second in usable[index + 1 :]:
            if first.snippet is second.snippet or first.record["input"] != second.record["input"]:
                continue
            a, b = describe(first), describe(second)
            differences = {name: f"{a[name]} vs {b[name]}" for name in a if a[name] != b[name] and name != "input"}
            kernels = first.record["kernel"], second.record["kernel"]
            if kernels[0]["shape"] == kernels[1]["shape"]:
                largest = max(abs(x - y) for x, y in zip(kernels[0]["values"], kernels[1]["values"]))
                if largest:
                    differences["kernel values"] = f"max abs diff {largest:.4g}"
            names = (first.where, second.where)
            tolerance = max(_tolerance(first.record), _tolerance(second.record), key=lambda t: t.terms * t.bound)
            outcome = compare.outputs(_recorded_answer(first.record), _recorded_answer(second.record), names, tolerance)
            settings = "; ".join(f"{name}: {difference}" for name, difference in differences.items())
            status = DIFFERS if outcome.differs else AGREES
            steps.append(Step(f"{first.where} vs {second.where} (same input {a['input']})", status,
                              f"{outcome.summary}; {settings or 'same settings'}", names,
                              {**outcome.evidence, "differences": differences}))
    return steps


def run_exec(args: argparse.Namespace, settings: Settings, limits: Limits) -> int:
    errors: list[str] = []
    sources = [source for source in discover(args.paths or ["."], settings, errors) if source.path is not None]
    jobs = Jobs()
    with Pool(limits) as pool:
        pool.start(("tensorflow", "jax"))  # their imports overlap the snippets' runs
        snippets = [run_snippet(source.path, limits) for source in sources]
        replays = [plan_replay(snippet, record, jobs, args.seed) for snippet in snippets for record in snippet.records]
        pool.run(jobs.all())
        for replay in replays:
            replay.steps = [step(comparison, statuses, UNVERIFIABLE) for statuses, comparison in replay.comparisons]
        workers = dict(pool.workers)
    cross = across_files(replays)
    sys.stdout.write(report.render_exec(snippets, replays, cross, args.format, workers))
    if args.html:
        Path(args.html).write_text(report.html_exec(snippets, replays, cross, workers), encoding="utf-8")
    errors += [f"{snippet.path}: {snippet.failure}" for snippet in snippets if snippet.failure]
    for message in errors:
        error(message)
    if errors:
        return EXIT_ERROR
    statuses = [item.status for replay in replays for item in replay.steps] + [item.status for item in cross]
    diverged = any(status in (REPLAY_DIFFERS, CONFIRMED, DIFFERS) for status in statuses)
    return EXIT_FAILED if diverged and not args.exit_zero else EXIT_CLEAN
