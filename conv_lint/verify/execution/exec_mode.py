"""``conv-lint verify --exec``: run the files themselves, then replay each recorded call elsewhere.

Each file runs in its own process (``conv_lint.verify.execution.recorder``): a temporary working
directory, which is the only place it may write (``conv_lint.verify.execution.sandbox``: it may not
start processes either), stdin closed, the --timeout and the --memory-limit (address space).
Whatever is left in its process group when it ends is killed. A snippet that timed out, ran
out of memory, failed, called ``os._exit``, left processes behind or was refused something
is reported UNVERIFIABLE with the reason; the calls it recorded before are still replayed.

Every conv call the snippet makes is recorded with its real input, kernel, bias and output.
Each is then replayed in the other framework on those very arrays, twice: with its settings
written out (the replay must agree: that proves the recording and the translation), and as
a port relying on the other framework's defaults (which shows the divergence a user meets).
Calls from different files that received the same input are compared with each other.
"""

from __future__ import annotations

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
from conv_lint.exit_codes import finish
from conv_lint.runner import discover
from conv_lint.verify.judging import agreement
from conv_lint.verify.judging.agreement import AGREE, DIFFER
from conv_lint.verify.judging.verdict import (
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
from conv_lint.verify.options import VerifyOptions
from conv_lint.verify.planning.conv import Call, Conv, Unsupported
from conv_lint.verify.planning.families import FLAX, KERAS, LAX, TF_NN, family_of
from conv_lint.verify.planning.keras_config import keras_json
from conv_lint.verify.planning.probe import Probe
from conv_lint.verify.planning.plan import RunComparison, Job, Jobs, run_request
from conv_lint.verify.planning.values import Known, NotStatic
from conv_lint.verify.rendering import report
from conv_lint.verify.workers.pool import Limits, Pool, child_environment, compilation_cache, limit_memory

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
    landlock: bool = False  # whether the kernel enforced the write restriction too (sandbox)


@dataclass
class Replay:
    """One recorded call and what verify does with it."""

    snippet: Snippet
    record: dict
    conv: Conv | None = None
    unverifiable: str = ""
    comparisons: list[tuple[dict[str, str], RunComparison]] = field(default_factory=list)  # (statuses, comparison)
    steps: list[Step] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.snippet.path}:{self.record.get('line') or '?'}"


def run_snippet(path: Path, limits: Limits) -> Snippet:
    snippet = Snippet(str(path))
    # Two folders: "work" is the snippet's working directory and the only place it may write;
    # the records and its output go beside it, where the sandbox lets it write only through
    # the descriptors it was started with.
    with tempfile.TemporaryDirectory(prefix="conv-lint-exec-", ignore_cleanup_errors=True) as private:
        folder, records = Path(private) / "work", Path(private) / "records.jsonl"
        folder.mkdir()
        with open(Path(private) / "stdout", "w+b") as stdout, open(Path(private) / "stderr", "w+b") as stderr:
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", "conv_lint.verify.execution.recorder", str(path.resolve()), str(records), str(folder)],
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=stdout,  # files, not pipes: a process the snippet left behind cannot hold the run up
                stderr=stderr,
                env=snippet_environment(folder),
                preexec_fn=limit_memory(limits.memory_mb),
                start_new_session=True,  # its own process group, so what it started is killed with it
            )
            try:
                process.wait(timeout=limits.timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                timed_out = True
            left_behind = _kill_group(process.pid)
            process.wait()
            snippet.seconds = time.perf_counter() - started
            snippet.returncode = process.returncode
            snippet.stdout, snippet.stderr = (_tail(stream) for stream in (stdout, stderr))
        lines = _json_lines(records)
    snippet.records = [line for line in lines if "event" not in line]
    snippet.landlock = any(line.get("event") == "sandbox" and line.get("landlock") for line in lines)
    snippet.failure = _failure(snippet, [line for line in lines if "event" in line], limits, timed_out, left_behind)
    return snippet


def snippet_environment(folder: Path) -> dict[str, str]:
    """verify's child environment, with every place libraries write by default moved into ``folder``."""
    env = child_environment()
    env.pop("JAX_COMPILATION_CACHE_DIR", None)  # a cache folder set in the user's shell is outside: writes there are refused
    keras_home = folder / ".keras"
    keras_home.mkdir()
    # Keras writes keras.json on import when it has none; the user's own one (data format,
    # backend) is copied in so the snippet runs as it would for them.
    user_keras = Path(keras_json())
    if user_keras.is_file():
        (keras_home / "keras.json").write_bytes(user_keras.read_bytes())
    env.update(TMPDIR=str(folder), KERAS_HOME=str(keras_home), XDG_CACHE_HOME=str(folder / ".cache"),
               MPLCONFIGDIR=str(folder / ".matplotlib"), PYTHONDONTWRITEBYTECODE="1")
    return env


def _kill_group(group: int) -> bool:
    """Kill whatever is left in the snippet's process group; whether anything was."""
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def _tail(stream) -> str:
    stream.seek(max(0, os.fstat(stream.fileno()).st_size - 4 * TAIL))
    return stream.read().decode(errors="replace")[-TAIL:]


def _json_lines(path: Path) -> list[dict]:
    """The records file's lines; a line cut short by a kill is dropped."""
    if not path.exists():
        return []
    lines = []
    for text in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            lines.append(json.loads(text))
        except json.JSONDecodeError:
            continue
    return lines


def _failure(snippet: Snippet, events: list[dict], limits: Limits, timed_out: bool, left_behind: bool) -> str:
    """Why the snippet's run cannot be trusted as it stands ("" when it ran to its end)."""
    def at(event: dict) -> str:
        return f" (line {event['line']})" if event.get("line") else ""

    reasons = []
    if timed_out:
        reasons.append(f"timed out after {limits.timeout:g} s (killed)")
    refusals = [event for event in events if event["event"] == "refused"]
    if refusals:
        more = f", and {len(refusals) - 1} more refusal(s)" if len(refusals) > 1 else ""
        reasons.append(f"{refusals[0]['reason']}{at(refusals[0])}{more}")
    exits = [event for event in events if event["event"] == "exit"]
    finished = any(event["event"] == "finished" for event in events)
    if exits:
        reasons.append(f"called os._exit({exits[0]['status']}){at(exits[0])} before finishing")
    elif not timed_out and snippet.returncode:
        last = [line for line in snippet.stderr.splitlines() if line.strip()][-1:] or [""]
        out_of_memory = "MemoryError" in snippet.stderr or snippet.returncode == -signal.SIGKILL
        memory = " (out of memory: --memory-limit)" if out_of_memory else ""
        reasons.append(f"exited with status {snippet.returncode}{memory}: {last[0].strip()}")
    elif not timed_out and not finished:
        reasons.append(f"ended without finishing (status {snippet.returncode})")
    if left_behind and not timed_out:
        reasons.append("left processes running after it ended (killed)")
    return "; ".join(reasons)


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


def _tolerance(record: dict) -> agreement.Tolerance:
    """The rounding bound of the recorded call's output (``agreement``'s tolerance policy)."""
    kernel, bias = record["kernel"], record.get("bias")
    return agreement.tolerance(record["input"]["values"], kernel["values"], kernel["shape"], bias["values"] if bias else None)


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
        comparison = RunComparison(title, calls, (native_name, call.api), "values", [(size, recorded, job, tolerance)])
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
            outcome = agreement.outputs(_recorded_answer(first.record), _recorded_answer(second.record), names, tolerance)
            settings = "; ".join(f"{name}: {difference}" for name, difference in differences.items())
            status = DIFFERS if outcome.differs else AGREES
            steps.append(Step(f"{first.where} vs {second.where} (same input {a['input']})", status,
                              f"{outcome.summary}; {settings or 'same settings'}", names,
                              {**outcome.evidence, "differences": differences}))
    return steps


def run_exec(options: VerifyOptions, settings: Settings, limits: Limits) -> int:
    errors: list[str] = []
    sources = [source for source in discover(list(options.paths), settings, errors) if source.path is not None]
    jobs = Jobs()
    with Pool(limits, compilation_cache(settings, options.cache_dir, options.no_cache)) as pool:
        pool.start(("tensorflow", "jax"))  # their imports overlap the snippets' runs
        snippets = [run_snippet(source.path, limits) for source in sources]
        replays = [plan_replay(snippet, record, jobs, options.seed) for snippet in snippets for record in snippet.records]
        pool.run(jobs.all())
        for replay in replays:
            replay.steps = [step(comparison, statuses, UNVERIFIABLE) for statuses, comparison in replay.comparisons]
        workers = dict(pool.workers)
    cross = across_files(replays)
    sys.stdout.write(report.render_exec(snippets, replays, cross, options.format, workers))
    if options.html:
        Path(options.html).write_text(report.html_exec(snippets, replays, cross, workers), encoding="utf-8")
    errors += [f"{snippet.path}: {snippet.failure}" for snippet in snippets if snippet.failure]
    statuses = [item.status for replay in replays for item in replay.steps] + [item.status for item in cross]
    diverged = any(status in (REPLAY_DIFFERS, CONFIRMED, DIFFERS) for status in statuses)
    return finish(errors, found=diverged, exit_zero=options.exit_zero)
