"""CNV101 and CNV107: a functional conv reading a kernel in another axis order than it is laid out.

The finding says how the call reads the kernel (the rhs spec written, or the fixed layout) and
how the array is laid out (the spec that fits, or the layer it was exported from). One kernel
array is made in that layout, from seeded probe values, and fed to the call twice, with the same
input: as written (the call reads it through its spec) and as intended (the same values
transposed into the order the call reads: what the finding's transpose does). Where the spec is
written in the call, the fix is the call with the spec that fits, fed the very same array.

The finding's facts (``KernelReading``) are the source, never its words: the two orders, the
kernel's shape (CNV101) and the input's shape where the reading contradicts its channels. CNV107
gives no shape: the probe's (width 3, 2 filters).
"""

from __future__ import annotations

from dataclasses import replace

from conv_lint.analyzer import Finding
from conv_lint.rules.facts import KernelReading
from conv_lint.verify.planning import probe as probes
from conv_lint.verify.planning.conv import Call, Conv, Unsupported

CODES = ("CNV101", "CNV107")


def _reading_of(finding: Finding) -> tuple[str, str, tuple[int, ...] | None, tuple[int, ...] | None]:
    """From a CNV101/CNV107 finding's facts: (the order the call reads, the order the array is in,
    the kernel's shape, the input's shape), None where the rule did not know it (every size, for the input)."""
    reading = finding.facts
    if not isinstance(reading, KernelReading):
        raise Unsupported("the finding does not say how the call reads the kernel")
    if reading.laid_out is None:
        raise Unsupported("the finding names no order of the kernel's axes that fits: nothing to compare with")
    input_shape = reading.input_shape if reading.input_shape is not None and None not in reading.input_shape else None
    return reading.reads, reading.laid_out, reading.shape, input_shape


def plan(planner, check, native: Call, conv: Conv) -> None:
    """The divergence (as written vs as intended) and, where the call writes its spec, the fix."""
    finding = check.finding
    rhs, own, shape, input_shape = _reading_of(finding)
    lhs = native.input_layout
    if len(rhs) != len(own) or len(lhs) != len(rhs):
        raise Unsupported(f"the kernel orders {rhs!r} and {own!r} do not fit the call's input layout {lhs!r}")
    spatial = "".join(letter for letter in rhs if letter not in "OI")
    probe = planner.probe
    if shape is None:  # CNV107: a kernel of the probe's width, in-channels and two filters
        sizes = {"O": 2, "I": probe.channels, **{letter: probe.kernel_size for letter in spatial}}
        shape = tuple(sizes[letter] for letter in own)
    meant = dict(zip(own, shape))
    if input_shape is not None and len(input_shape) == len(lhs):
        size = tuple(input_shape[lhs.index(letter)] for letter in lhs if letter not in "NC")
        channels = input_shape[lhs.index("C")]
    else:
        longest = max(meant[letter] for letter in spatial)
        size = (max(probe.length, longest + 1),) * len(spatial)
        channels = meant["I"] * conv.groups
    canonical = (*[meant[letter] for letter in spatial], meant["I"], meant["O"])
    x = probes.normal((1, *size, channels), 1.0, probe.seed, "input", size)
    kernel = probes.normal(canonical, 1.0 / max(1, meant["I"]) ** 0.5, probe.seed, "kernel", canonical)
    # The array as it is, read through the call's spec; the same values transposed into the order the call reads.
    as_written = replace(native, kernel_layout=own, note=f"a kernel of shape {shape} laid out {own!r}")
    as_meant = replace(native, kernel_layout=rhs, note=f"the kernel transposed from {own!r} to {rhs!r}")
    names = ("as written", "as the finding says it is meant")
    check.divergence = planner.on_arrays("divergence", as_written, as_meant, names, x, kernel, size)
    check.notes.append(f"the kernel is laid out {own!r} (shape {shape}); the call reads it as {rhs!r}")
    written_spec = dict(native.kwargs).get("dimension_numbers")
    if written_spec is None:
        check.fix_note = "the fix is the transpose the message gives: the run 'as the finding says it is meant'"
    else:
        fixed = replace(native.with_kwargs(dimension_numbers=repr((lhs, own, native.output_layout))), kernel_layout=own,
                        note=as_written.note)
        check.fix = planner.on_arrays("fix", fixed, as_meant, ("fixed", names[1]), x, kernel, size)
        check.fix_note = f"dimension_numbers with the kernel spec {own!r}, fed the same array"
    check.pin_note = f"{finding.code} has no fix to pin"
