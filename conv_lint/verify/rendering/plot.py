"""Small inline SVG plots for the HTML report: no scripts, no external assets.

Two kinds: the two frameworks' outputs on the probe as lines (one point per output element,
flattened channels-last), and two initializers' samples as step histograms on shared bins.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, MARGIN = 360, 150, 28
COLORS = ("#1f77b4", "#d62728")
MAX_POINTS = 400


def _frame(body: str, low: float, high: float, legend: Sequence[str], x_label: str) -> str:
    labels = "".join(
        f'<text x="{MARGIN + 4 + 150 * i}" y="12" fill="{COLORS[i]}" font-size="10">{escape(name)}</text>'
        for i, name in enumerate(legend)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" font-family="sans-serif">'
        f'<rect x="{MARGIN}" y="18" width="{WIDTH - MARGIN - 6}" height="{HEIGHT - 18 - MARGIN}" fill="none" stroke="#bbb"/>'
        f'<text x="2" y="26" font-size="9">{high:.3g}</text><text x="2" y="{HEIGHT - MARGIN}" font-size="9">{low:.3g}</text>'
        f'<text x="{WIDTH // 2}" y="{HEIGHT - 8}" font-size="9" text-anchor="middle">{escape(x_label)}</text>'
        f"{labels}{body}</svg>"
    )


def _scale(value: float, low: float, high: float, start: float, end: float) -> float:
    if high == low:
        return (start + end) / 2
    return start + (value - low) / (high - low) * (end - start)


def outputs(series: Sequence[dict]) -> str:
    """Each side's output values by position, on one axis."""
    entries = [entry for entry in series if entry.get("values")]
    if not entries:
        return ""
    everything = [v for entry in entries for v in entry["values"][:MAX_POINTS]]
    low, high = min(everything), max(everything)
    longest = max(len(entry["values"][:MAX_POINTS]) for entry in entries)
    body = []
    for color, entry in zip(COLORS, entries):
        points = [
            (_scale(i, 0, max(longest - 1, 1), MARGIN + 4, WIDTH - 10), _scale(v, low, high, HEIGHT - MARGIN - 4, 22))
            for i, v in enumerate(entry["values"][:MAX_POINTS])
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.5"/>')
        body.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{color}"/>' for x, y in points[:60])
    legend = [f"{entry['name']} {tuple(entry['shape'])}" for entry in entries]
    return _frame("".join(body), low, high, legend, "output element (flattened, channels-last)")


def histograms(series: Sequence[dict], bins: int = 40) -> str:
    """Each side's sample as a density step curve on shared bins."""
    # A sample is a list, or the NumPy array the worker's packed draws are read into (pool.unpack).
    samples = [(entry["name"], list(entry["sample"])) for entry in series if len(entry.get("sample", ()))]
    if len(samples) != 2:
        return ""
    low = min(min(sample) for _, sample in samples)
    high = max(max(sample) for _, sample in samples)
    if high == low:
        high = low + 1.0
    width = (high - low) / bins
    densities = []
    for _, sample in samples:
        counts = [0] * bins
        for value in sample:
            counts[min(int((value - low) / width), bins - 1)] += 1
        densities.append([count / (len(sample) * width) for count in counts])
    top = max(max(d) for d in densities) or 1.0
    body = []
    for color, density in zip(COLORS, densities):
        points = []
        for i, value in enumerate(density):
            y = _scale(value, 0, top, HEIGHT - MARGIN - 4, 22)
            points += [f"{_scale(i, 0, bins, MARGIN + 4, WIDTH - 10):.1f},{y:.1f}",
                       f"{_scale(i + 1, 0, bins, MARGIN + 4, WIDTH - 10):.1f},{y:.1f}"]
        body.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{color}" stroke-width="1.5"/>')
    axis = f"value from {low:.3g} to {high:.3g}; density"
    return _frame("".join(body), 0.0, top, [name for name, _ in samples], axis)
