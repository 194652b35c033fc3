"""From a finding to the runs that prove or refute it, and the comparisons to make of them.

For a finding on a call, the counterpart is the same call spelled in the framework the
finding's message contrasts it with, leaving the flagged setting to that framework's
default (everything else the call says is written out, so only that default differs). Then:

- divergence: the call as written vs the counterpart (outputs on a shared probe with copied
  weights, or, for initializers, many draws of each);
- fix: the two made to agree by writing the setting explicitly (the counterpart written to
  match the call, else the call written the way ``conv-lint fix --align-with`` aligns it);
- pin: the call as written vs the same call after ``conv-lint fix`` pinned today's defaults,
  both initialized from the same seed: outputs and weights must be bit-identical.

Every run is a ``Job`` for one worker; identical requests are run once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace

from conv_lint.analyzer import Finding
from conv_lint.catalog import (
    BIAS_INIT,
    CONTRASTS,
    CONVOLVE_MODE,
    KERNEL_INIT,
    LAYOUT,
    PADDING,
    TRANSPOSE_KERNEL,
    Contrast,
    contrast_for,
)
from conv_lint.rules import DYNAMIC_CALL, RULES_BY_HAZARD
from conv_lint.verify.judging import agreement
from conv_lint.verify.planning import initializer_kinds, kernel_layout, padding_ports, stand_ins, variants
from conv_lint.verify.planning import probe as probes
from conv_lint.verify.planning.conv import SPATIAL, Call, Conv, Padding, Unsupported
from conv_lint.verify.planning.families import EQUINOX, FLAX, KERAS, LAX, Family, family_of, layout_letters
from conv_lint.verify.planning.probe import Probe, ProbeArray
from conv_lint.verify.planning.torch_family import torch_family
from conv_lint.verify.planning.values import OPERAND_RANK, NotStatic, OperandRank

MODELLED = (PADDING, KERNEL_INIT, BIAS_INIT, LAYOUT, CONVOLVE_MODE, TRANSPOSE_KERNEL)  # the hazards verify can run
SAMPLE_SIZE = 16384  # values per initializer: KS then separates uniform from truncated normal of equal variance


def request_digest(worker: str, request: dict) -> str:
    """What a request asks of which worker, as one hash: the key of a session's jobs and of the answer cache.
    A ``ProbeArray`` in it is keyed by its own digest (see ``worker_message`` for what a worker is sent)."""
    text = json.dumps([worker, request], sort_keys=True, separators=(",", ":"), default=_array_digest)
    return hashlib.sha256(text.encode()).hexdigest()


def worker_message(message: dict) -> str:
    """A message to a worker as JSON: each ``ProbeArray`` of its requests as its payload."""
    return json.dumps(message, default=_array_payload)


def _array_digest(value: object) -> dict:
    if isinstance(value, ProbeArray):
        return {"probe_array": value.digest}
    raise TypeError(f"{type(value).__name__} is not part of a request")


def _array_payload(value: object) -> dict:
    if isinstance(value, ProbeArray):
        return value.payload()
    raise TypeError(f"{type(value).__name__} is not part of a request")


@dataclass
class Job:
    worker: str
    request: dict
    answer: dict | None = None
    # Serializing a request (its probe arrays) is most of a cached run's time: done once, here.
    digest: str = ""

    def __post_init__(self) -> None:
        self.digest = self.digest or request_digest(self.worker, self.request)


class Jobs:
    """Every run of a verify session, one per distinct request."""

    def __init__(self) -> None:
        self._by_key: dict[str, Job] = {}

    def add(self, worker: str, request: dict) -> Job:
        key = request_digest(worker, request)
        if key not in self._by_key:
            self._by_key[key] = Job(worker, request, digest=key)
        return self._by_key[key]

    def all(self) -> list[Job]:
        return list(self._by_key.values())


@dataclass
class RunComparison:
    """Two calls, their runs (one pair per probe size), and how to compare them."""

    title: str
    calls: tuple[Call, Call]
    names: tuple[str, str]  # how the report names each side
    mode: str  # "values", "samples" or "bits"
    runs: list[tuple[tuple[int, ...], Job, Job, agreement.Tolerance | None]]

    def outcome(self) -> agreement.Outcome:
        names = self.names
        if self.mode == "samples":
            _, a, b, _ = self.runs[0]
            return agreement.samples(a.answer, b.answer, names)
        if self.mode == "bits":
            _, a, b, _ = self.runs[0]
            return agreement.bitwise(a.answer, b.answer, names)
        return agreement.over_lengths([(size, agreement.outputs(a.answer, b.answer, names, self._tolerance(tolerance, a, b)))
                                     for size, a, b, tolerance in self.runs])

    @staticmethod
    def _tolerance(tolerance, a: Job, b: Job) -> agreement.Tolerance:
        """A probe's bound, or, for layers that drew their own weights (``tolerance`` the input's values), theirs."""
        if isinstance(tolerance, agreement.Tolerance):
            return tolerance
        return agreement.own_weights_tolerance(tolerance, a.answer, b.answer) or agreement.Tolerance(1, 0.0)


@dataclass
class Check:
    """What verify does for one finding, and why where it cannot."""

    finding: Finding
    conv: Conv | None = None
    native: Call | None = None
    counterpart: Call | None = None
    divergence: RunComparison | None = None
    fix: RunComparison | None = None
    pin: RunComparison | None = None
    also: list[RunComparison] = field(default_factory=list)
    unverifiable: str = ""
    fix_note: str = ""  # why no fix is checked, or which way it aligns
    pin_note: str = ""  # why no pin is checked
    notes: list[str] = field(default_factory=list)
    stand_ins: list[str] = field(default_factory=list)  # unknown arguments run with a stand-in value, and why
    # A conditional alias's other candidates (`A if c else B`), each checked as if the call were of it.
    candidates: list[Check] = field(default_factory=list)

    def comparisons(self) -> list[RunComparison]:
        """Every comparison planned, the candidates' included."""
        own = [comparison for comparison in (self.divergence, self.fix, self.pin, *self.also) if comparison is not None]
        return own + [comparison for candidate in self.candidates for comparison in candidate.comparisons()]


def candidate_findings(finding: Finding) -> list[Finding]:
    """The finding as made of each other API a conditional alias may call (``layer = A if c else B``):
    the same arguments bound to that API, with its own default of the hazard (check reports a default
    only where every candidate relies on one)."""
    if finding.call is None or finding.spec is None:
        return []
    found = []
    for bound in finding.call.alternatives:
        spec = next((d for d in bound.api.defaults if d.hazard == finding.spec.hazard and d.param == finding.spec.param), None)
        if spec is None:
            spec = next((d for d in bound.api.defaults if d.hazard == finding.spec.hazard), None)
        if spec is not None:
            call = replace(finding.call, bound=bound, qualified_name=bound.api.name, alternatives=())
            found.append(replace(finding, api=bound.api.name, parameter=spec.param, default=spec.value, call=call, spec=spec))
    return found


def run_request(call: Call, rank: int, x: ProbeArray | dict, kernel: ProbeArray | dict | None,
                bias: ProbeArray | dict | None, seed: int, as_held: bool = False) -> dict:
    """A worker's ``run`` request for ``call`` on channels-last arrays (probe arrays, or payloads).

    ``kernel=None`` has a layer initialize its own weights from ``seed``. ``as_held`` feeds
    the arrays unchanged, as a channels-last framework holds them, whatever the call expects.
    """
    canonical_input = f"N{SPATIAL[rank]}C" if call.input_layout else ""
    canonical_kernel = f"{SPATIAL[rank]}IO" if call.kernel_layout else ""
    return {
        "op": "run",
        "kind": call.kind,
        "api": call.api,
        "kwargs": dict(call.kwargs),
        "input": x,
        "input_layout": canonical_input if as_held else call.input_layout,
        "output_layout": call.output_layout,
        "kernel": kernel,
        "kernel_layout": canonical_kernel if as_held else call.kernel_layout,
        "bias": bias if kernel is not None and call.use_bias else None,
        "flip": call.flip,
        "pad": [list(pair) for pair in call.pad],
        "seed": seed,
    }


class Planner:
    def __init__(self, probe: Probe, jobs: Jobs, sample_size: int = SAMPLE_SIZE) -> None:
        self.probe = probe
        self.jobs = jobs
        self.sample_size = sample_size

    def plan_candidates(self, finding: Finding, arguments, pinned: dict | str, pin_only: bool = False) -> Check:
        """``plan``, and where the callee is a conditional alias, each other candidate's check too (in
        ``Check.candidates``; the pin, one text for every candidate, is checked on the first).
        ``arguments``: a ``ResolvedCall``'s arguments (``values.Evaluator.arguments``)."""
        check = self.plan(finding, arguments(finding.call) if finding.call else None, pinned, pin_only)
        if not pin_only:
            pin_note = f"the pin is checked with {finding.api}, the first candidate"
            check.candidates = [self.plan(candidate, arguments(candidate.call), pin_note)
                                for candidate in candidate_findings(finding)]
        return check

    def plan(self, finding: Finding, args: dict | None, pinned: dict | str, pin_only: bool = False) -> Check:
        """``args``: the call's arguments (``values.Evaluator.arguments``); ``pinned``: the arguments
        of the same call after ``conv-lint fix``, or why it pins nothing. ``pin_only``: plan the
        pin's check alone (``conv-lint fix --verify``), not the comparison with another framework.
        A bug of verify's planning leaves that finding UNVERIFIABLE, saying so, and the run goes on
        (as CNV999 does for a rule's)."""
        try:
            return self._plan_finding(finding, args, pinned, pin_only)
        except Exception as error:  # noqa: BLE001 - any bug here is reported on its finding, not raised
            check = Check(finding)
            check.unverifiable = (f"internal error in conv-lint verify ({type(error).__name__}: {error}); "
                                  "please report it with this call")
            return check

    def _plan_finding(self, finding: Finding, args: dict | None, pinned: dict | str, pin_only: bool) -> Check:
        check = Check(finding)
        if finding.code == DYNAMIC_CALL.code:
            check.unverifiable = "the call's arguments cannot be known (*args/**kwargs, a partial or from_config)"
            return check
        if finding.code in kernel_layout.CODES and finding.call is not None and args is not None and not pin_only:
            return self._guarded(check, lambda: kernel_layout.plan(self, check, *self._read_call(check, args)))
        if finding.code in padding_ports.CODES and finding.call is not None and args is not None and not pin_only:
            return self._guarded(check, lambda: padding_ports.plan(self, check, self._read_call(check, args)[1]))
        if finding.code in initializer_kinds.CODES and not pin_only:
            return self._guarded(check, lambda: initializer_kinds.plan(self, check, args))
        if finding.spec is None or finding.spec.hazard not in MODELLED or finding.call is None or args is None:
            codes = ", ".join(RULES_BY_HAZARD[hazard].code for hazard in MODELLED)
            check.unverifiable = f"{finding.code} is not a default verify runs (it runs {codes})"
            return check
        args, check.stand_ins = stand_ins.stand_in(finding, args)
        operands = args.get(OPERAND_RANK)
        if isinstance(operands, OperandRank):
            check.notes.append(f"spatial rank {operands.rank}, from the arrays: {operands.why}")
        if not isinstance(pinned, str):
            pinned, _ = stand_ins.stand_in(finding, pinned)
        check.notes.extend(check.stand_ins)
        try:
            self._plan(check, args, pinned, pin_only)
        except (NotStatic, Unsupported) as why:
            check.unverifiable = str(why)
        return check

    def _plan(self, check: Check, args: dict, pinned: dict | str, pin_only: bool) -> None:
        finding = check.finding
        api, hazard = finding.call.api, finding.spec.hazard
        family, variant = self._family(api)
        conv = family.read(api, args, self.probe)
        conv = check.conv = replace(conv, in_channels=probes.channels(conv, self.probe))
        check.native = family.native(api, args, conv)
        if runs_as := family.runs_as(api):
            check.notes.append(runs_as)
        check.notes.extend(f"{name} is not a parameter of {api.name}: not passed on (Keras 2 accepts it and creates "
                           "no weight with it, Keras 3 refuses it)" for name in family.ignored(api, args))
        if not pin_only and hazard == TRANSPOSE_KERNEL:
            variants.plan_transpose_kernel(self, check, args)
        elif not pin_only and variant:
            self._variant_checks(check, conv, family)
        elif not pin_only:
            contrast, other = self._counterpart(api, finding.spec, check)
            omit = frozenset({PADDING if hazard == CONVOLVE_MODE else hazard})
            check.counterpart = other.write(conv, omit)
            if hazard in (KERNEL_INIT, BIAS_INIT):
                self._initializer_checks(check, conv, family, other, contrast)
            else:
                self._value_checks(check, conv, family, other, contrast)
        if isinstance(pinned, str):
            check.pin_note = pinned
            return
        try:
            pinned_call = family.native(api, pinned, family.read(api, pinned, self.probe))
        except (NotStatic, Unsupported) as why:
            check.pin_note = f"the pinned call cannot be run: {why}"
            return
        check.pin = self.bits("pin", conv, check.native, pinned_call, ("as written", "as pinned by conv-lint fix"))

    @staticmethod
    def _guarded(check: Check, plan) -> Check:
        try:
            plan()
        except (NotStatic, Unsupported) as why:
            check.unverifiable = str(why)
        return check

    @staticmethod
    def _family(api) -> tuple[Family, bool]:
        """The family that runs ``api``, and whether it is a transposed, separable or depthwise one."""
        try:
            return family_of(api.name), False
        except Unsupported:
            torch = torch_family(api)
            if torch is not None:
                return torch, api.transposed
            variant = variants.variant_of(api)
            if variant is None:
                raise
            return variant, True

    def _variant_checks(self, check: Check, conv: Conv, family: Family) -> None:
        """The call as written vs the same call with the other framework's default written in."""
        spec, native = check.finding.spec, check.native
        named = contrast_for(check.finding.call.api, spec)
        if named is None:
            raise Unsupported("every framework conv-lint knows has the same default")
        if spec.hazard == LAYOUT:
            source = family.layout_source(replace(conv, channels_last=named.kind == "channels_last"))
        else:
            source = family.align_source(spec.hazard, named.kind)
        if source is None and spec.hazard == PADDING and family.translated(conv) is not None:
            self._translated_checks(check, conv, family, named)
            return
        if source is None and spec.hazard in (KERNEL_INIT, BIAS_INIT):
            # No spelling of it here (PyTorch's bias default): the layer the message names, as for plain layers.
            contrast, other = self._counterpart(check.finding.call.api, spec, check)
            check.counterpart = other.write(conv)
            self._initializer_checks(check, conv, family, other, contrast)
            return
        if source is None:
            raise Unsupported(f"conv-lint has no spelling of {named.api}'s default ({named.value}) for {native.api}")
        parameter = check.finding.parameter
        counterpart = check.counterpart = native.with_kwargs(**{parameter: source})
        if spec.hazard == LAYOUT:
            channels_last = named.kind == "channels_last"
            counterpart = check.counterpart = family.relaid(counterpart, conv, channels_last)
            if native.output_layout:  # its output comes in the layout it is written with
                counterpart = check.counterpart = replace(counterpart, output_layout=layout_letters(conv.rank, channels_last))
        names = ("as written", f"with {named.api}'s default")
        check.notes.append(f"{native.api} is not translated to another framework: the call is run with "
                           f"{parameter}={source}, {named.api}'s default ({named.value}) in its spelling")
        check.fix_note = "the call with the other default is the comparison itself: no fix to check across frameworks"
        if spec.hazard in (KERNEL_INIT, BIAS_INIT):
            weight = variants.weight_of(parameter) if spec.hazard == KERNEL_INIT else "bias"
            check.divergence = self.samples("divergence", conv, native, counterpart, weight, names)
            return
        check.divergence = self.own_weights("divergence", conv, native, counterpart, names, as_held=spec.hazard == LAYOUT)

    def _translated_checks(self, check: Check, conv: Conv, family: Family, named: Contrast) -> None:
        """A call that cannot spell the other framework's padding (PyTorch's transposed convolutions
        take no 'same') vs the same computation in a framework that can, leaving the padding to its
        default; the fix is that one with the call's padding written in, holding the same kernel."""
        native = check.native
        counterpart = check.counterpart = family.translated(conv, frozenset({PADDING}))
        names = (native.api, counterpart.api)
        check.notes.append(f"{native.api} cannot spell {named.api}'s default ({named.value}): it is compared with "
                           f"{counterpart.api}, which computes the same from the same kernel, left to its default padding")
        check.divergence = self.values("divergence", conv, native, counterpart, names)
        check.fix = self.values("fix", conv, native, family.translated(conv), names)
        check.fix_note = f"{counterpart.api} with the call's padding written as explicit pairs"

    def _read_call(self, check: Check, args: dict) -> tuple[Call, Conv]:
        """The finding's call as written, and what it computes (input channels filled in from the probe)."""
        api = check.finding.call.api
        family, _ = self._family(api)
        conv = family.read(api, args, self.probe)
        conv = check.conv = replace(conv, in_channels=probes.channels(conv, self.probe))
        check.native = family.native(api, args, conv)
        return check.native, conv

    def _counterpart(self, api, spec, check: Check) -> tuple[Contrast, Family]:
        """The framework the finding's message contrasts with, or one with the same default that verify runs."""
        named = contrast_for(api, spec)
        if named is None:
            raise Unsupported("every framework conv-lint knows has the same default")
        candidates = [named] + [c for c in CONTRASTS[spec.hazard] if c.kind == named.kind and c is not named]
        for contrast in candidates:
            try:
                family = family_of(contrast.api)
            except Unsupported as why:
                check.notes.append(f"{contrast.api} is not run: {why}")
                continue
            if contrast is not named:
                check.notes.append(f"{contrast.api} has the same default ({contrast.value}) and stands in for it")
            return contrast, family
        raise Unsupported(f"no framework verify runs has the default the message names ({named.value})")

    # -- values: padding, layout, convolve mode -------------------------------------------------
    def _value_checks(self, check: Check, conv: Conv, family: Family, other: Family, contrast: Contrast) -> None:
        hazard = check.finding.spec.hazard
        native, counterpart = check.native, check.counterpart
        names = (native.api, counterpart.api)
        as_held = hazard == LAYOUT  # the point: arrays passed on unchanged from a channels-last framework
        check.divergence = self.values("divergence", conv, native, counterpart, names, as_held=as_held)
        if hazard == PADDING:
            try:
                check.fix = self.values("fix", conv, native, other.write(conv), names)
                check.fix_note = f"{counterpart.api} written to match the call"
            except Unsupported:
                source = family.align_source(PADDING, contrast.kind)
                if source is None:
                    check.fix_note = f"neither framework can write the other's padding ({conv.padding})"
                else:
                    check.fix = self.values("fix", conv, native.with_kwargs(padding=source), counterpart, names)
                    check.fix_note = "the call aligned as conv-lint fix --align-with writes it"
            # A symmetric int pads like 'same' at stride 1 with an odd kernel: compare only where it cannot.
            uneven = any(k % 2 == 0 for k in conv.effective_kernel) or any(s > 1 for s in conv.strides)
            if "same" in (conv.padding.kind, contrast.kind) and uneven:
                self._symmetric_padding(check, conv, native if conv.padding.kind == "same" else counterpart)
        elif hazard == LAYOUT:
            channels_last = replace(conv, channels_last=True)
            # lax.conv's layout is fixed: its fix is lax.conv_general_dilated with dimension_numbers.
            native_fixed = (family if family.hazard_params.get(LAYOUT) else LAX).write(channels_last)
            fixed = (native_fixed, other.write(channels_last))
            check.fix = self.values("fix", conv, *fixed, (fixed[0].api, fixed[1].api))
            check.fix_note = "both with the layout of the data written explicitly (channels-last)"
        else:  # CONVOLVE_MODE: a cross-correlation holding k equals convolve(x, k[::-1], mode='valid')
            valid = native.with_kwargs(mode=repr("valid"))
            check.fix = self.values("fix", conv, replace(valid, flip=True), counterpart, names)
            check.fix_note = "mode='valid' and the kernel reversed (k[::-1])"
            check.also.append(self.values("the kernel flip alone (mode='valid')", conv, valid, counterpart, names))

    def _symmetric_padding(self, check: Check, conv: Conv, same_side: Call) -> None:
        """PyTorch pads an int on both sides and refuses 'same' at stride > 1: a port writes
        padding=(k-1)*d//2. Emulated with explicit lax pairs (verify does not run PyTorch)."""
        pairs = tuple(((k - 1) * d // 2,) * 2 for k, d in zip(conv.kernel_size, conv.dilation))
        symmetric = LAX.write(replace(conv, padding=Padding("explicit", pairs), channels_last=True))
        title = f"PyTorch-style symmetric padding={pairs[0][0]} (emulated with explicit lax pairs; PyTorch is not run)"
        check.also.append(self.values(title, conv, same_side, symmetric, (same_side.api, "symmetric padding")))

    # -- initializers ------------------------------------------------------------------------------
    def _initializer_checks(self, check: Check, conv: Conv, family: Family, other: Family, contrast: Contrast) -> None:
        spec = check.finding.spec
        param = "kernel" if spec.hazard == KERNEL_INIT else "bias"
        native, counterpart = check.native, check.counterpart
        names = (native.api, counterpart.api)
        check.divergence = self.samples("divergence", conv, native, counterpart, param, names)
        source = other.align_source(spec.hazard, spec.kind)
        if source is not None:
            aligned = counterpart.with_kwargs(**{other.hazard_params[spec.hazard]: source})
            check.fix = self.samples("fix", conv, native, aligned, param, names)
            check.fix_note = f"{counterpart.api} written to match the call"
            return
        source = family.align_source(spec.hazard, contrast.kind)
        if source is not None:
            aligned = native.with_kwargs(**{family.hazard_params[spec.hazard]: source})
            check.fix = self.samples("fix", conv, aligned, counterpart, param, names)
            check.fix_note = "the call aligned as conv-lint fix --align-with writes it"
            return
        check.fix_note = (f"conv-lint has no spelling of {contrast.api}'s {contrast.value} for {family.name}, "
                          f"nor of {spec.value} for {other.name}")

    # -- jobs --------------------------------------------------------------------------------------
    def values(self, title: str, conv: Conv, a: Call, b: Call, names: tuple[str, str], as_held: bool = False) -> RunComparison:
        runs = []
        for size in probes.sizes(conv, self.probe):
            x, kernel, bias = probes.arrays(conv, self.probe, size)
            if bias is not None and not (a.layer and b.layer):
                bias = bias.zeros()  # a function (lax, tf.nn) adds no bias: compare the layer without one
            tolerance = agreement.tolerance(x.values, kernel.values, kernel.shape, bias.values if bias else None)
            jobs = [self.jobs.add(call.worker, run_request(call, conv.rank, x, kernel, bias, self.probe.seed, as_held=as_held))
                    for call in (a, b)]
            runs.append((size, *jobs, tolerance))
        return RunComparison(title, (a, b), names, "values", runs)

    def on_arrays(self, title: str, a: Call, b: Call, names: tuple[str, str], x: ProbeArray, kernel: ProbeArray,
                  size: tuple[int, ...]) -> RunComparison:
        """Two calls on given arrays (a canonical kernel each call transposes into its ``kernel_layout``), no bias."""
        tolerance = agreement.tolerance(x.values, kernel.values, kernel.shape, None)
        jobs = [self.jobs.add(call.worker, run_request(call, len(size), x, kernel, None, self.probe.seed))
                for call in (a, b)]
        return RunComparison(title, (a, b), names, "values", [(size, *jobs, tolerance)])

    def initializer_samples(self, title: str, a: Call, b: Call, shape: tuple[int, ...], names: tuple[str, str]) -> RunComparison:
        """Draws of two initializers by themselves (``Call.api``: the initializer's source) at one kernel shape."""
        jobs = [self.jobs.add(call.worker, {"op": "sample", "kind": "initializer", "api": call.api, "shape": list(shape),
                                            "count": self.sample_size, "seed": self.probe.seed})
                for call in (a, b)]
        return RunComparison(title, (a, b), names, "samples", [(shape, *jobs, None)])

    def layer_initializer_check(self, check: Check, args: dict | None, compared: tuple[str, str, str],
                                instead: str | None) -> None:
        """A layer's kernel initializer as written vs the layer ``compared`` names ((family, parameter, source)),
        and ``instead``, the initializer the finding says to write, where it gives one."""
        finding = check.finding
        if finding.call is None or args is None:
            raise Unsupported("the finding is on no conv call verify can read")
        api = finding.call.api
        family, _ = self._family(api)
        conv = family.read(api, args, self.probe)
        conv = check.conv = replace(conv, in_channels=probes.channels(conv, self.probe))
        native = check.native = family.native(api, args, conv)
        name, parameter, source = compared
        other = {"flax": FLAX, "equinox": EQUINOX, "keras": KERAS}[name]
        counterpart = check.counterpart = other.write(conv)
        if parameter:
            counterpart = check.counterpart = counterpart.with_kwargs(**{parameter: source})
        names = (native.api, counterpart.label() if parameter else counterpart.api)
        check.divergence = self.samples("divergence", conv, native, counterpart, "kernel", names)
        if name == "equinox":
            check.notes.append("PyTorch's conv default, U(±1/sqrt(fan_in)), is drawn by equinox.nn, which draws the same")
        if instead is None or KERNEL_INIT not in family.hazard_params:
            check.fix_note = "the message names no initializer to write"
            return
        aligned = native.with_kwargs(**{family.hazard_params[KERNEL_INIT]: instead})
        check.fix = self.samples("fix", conv, aligned, counterpart, "kernel", names)
        check.fix_note = "the initializer the message says to write"

    def own_weights(self, title: str, conv: Conv, a: Call, b: Call, names: tuple[str, str], as_held: bool = False) -> RunComparison:
        """Two calls of one framework on the probe, layers drawing their own weights from the seed
        (the same weights on both sides), functions given the probe's kernel."""
        runs = []
        for size in probes.sizes(conv, self.probe):
            x, kernel, _ = probes.arrays(conv, self.probe, size)
            jobs = [self.jobs.add(call.worker, run_request(call, conv.rank, x, None if call.layer else kernel, None, self.probe.seed, as_held=as_held))
                    for call in (a, b)]
            tolerance = x.values if a.layer else agreement.tolerance(x.values, kernel.values, kernel.shape, None)
            runs.append((size, *jobs, tolerance))
        return RunComparison(title, (a, b), names, "values", runs)

    def bits(self, title: str, conv: Conv, a: Call, b: Call, names: tuple[str, str]) -> RunComparison:
        size = probes.sizes(conv, self.probe)[0]
        x, kernel, bias = probes.arrays(conv, self.probe, size)
        # Layers initialize their own weights from the seed; functions take the probe's kernel.
        jobs = [self.jobs.add(call.worker, run_request(call, conv.rank, x, None if call.layer else kernel, None, self.probe.seed))
                for call in (a, b)]
        return RunComparison(title, (a, b), names, "bits", [(size, *jobs, None)])

    def samples(self, title: str, conv: Conv, a: Call, b: Call, param: str, names: tuple[str, str]) -> RunComparison:
        size = probes.sizes(conv, self.probe)[0]
        jobs = []
        for call in (a, b):
            request = {
                "op": "sample",
                "kind": call.kind,
                "api": call.api,
                "kwargs": dict(call.kwargs),
                "input": {"shape": list(probes.input_shape(conv, self.probe, size))},
                "input_layout": call.input_layout,
                "param": param,
                "count": self.sample_size,
                "seed": self.probe.seed,
            }
            jobs.append(self.jobs.add(call.worker, request))
        return RunComparison(title, (a, b), names, "samples", [(size, *jobs, None)])

