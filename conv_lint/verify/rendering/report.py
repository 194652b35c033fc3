"""Render verify results: text for a terminal, JSON for tools, one self-contained HTML page."""

from __future__ import annotations

import ast
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from conv_lint.verify.judging.verdict import CONFIRMED, NOT_CONFIRMED, UNVERIFIABLE, Result, Step
from conv_lint.verify.planning.probe import Probe
from conv_lint.verify.rendering import plot


def call_source(result: Result) -> str:
    call = result.finding.call
    return ast.unparse(call.node) if call is not None else ""


@dataclass(frozen=True)
class AnswerTally:
    """How many distinct worker requests a run answered from the answer cache, and how many it computed."""

    from_cache: int = 0
    computed: int = 0

    def text(self) -> str:
        return f"answers: {self.from_cache} from cache, {self.computed} computed"


def answers_note(answers: dict) -> str:
    """Where a verdict's answers came from, for a reader: "" when all were computed by this run."""
    kept, computed = answers.get("from_cache", 0), answers.get("computed", 0)
    if not kept:
        return ""
    when = _date(answers.get("computed_at"))
    if not computed:
        return f"from cache, computed {when}"
    return f"{kept} of {kept + computed} answers from cache (computed {when}), {computed} computed now"


def _date(stamp: str | None) -> str:
    """``2026-12-05T17:40:12Z`` as ``2026-12-05 17:40 UTC``."""
    if not stamp:
        return "at an unknown date"
    return f"{stamp[:10]} {stamp[11:16]} UTC" if len(stamp) >= 16 else stamp


def workers_summary(workers: dict) -> dict:
    return {
        name: {
            "versions": worker.info.get("versions", {}),
            "frameworks_loaded": worker.info.get("frameworks", []),
            "startup_seconds": None if worker.startup_seconds is None else round(worker.startup_seconds, 2),
            "busy_seconds": round(worker.busy_ms / 1000, 2),
            "cpu_seconds": round(worker.cpu_ms / 1000, 2),
            "restarts": worker.restarts,
        }
        for name, worker in workers.items()
    }


def _probe_summary(probe: Probe) -> dict:
    return {
        "seed": probe.seed,
        "input_shape": list(probe.input_shape) if probe.input_shape else None,
        "default": "channels-last (1, 7, 1) per spatial rank, and the next lengths up to the largest stride;"
        " functional calls get a kernel of size 3 and one filter",
    }


def counts(results: Sequence[Result]) -> dict:
    tally = Counter(result.verdict for result in results)
    fixes = Counter(result.fix.status for result in results if result.fix)
    pins = Counter(result.pin.status for result in results if result.pin)
    return {"findings": len(results), "verdicts": dict(tally), "fixes": dict(fixes), "pins": dict(pins)}


def render(results: Sequence[Result], output_format: str, workers: dict, probe: Probe, seconds: float,
           answers: AnswerTally = AnswerTally()) -> str:
    if output_format == "json":
        document = {
            "results": [result.as_dict() for result in results],
            "summary": {**counts(results), "answers": {"from_cache": answers.from_cache, "computed": answers.computed},
                        "seconds": round(seconds, 2)},
            "workers": workers_summary(workers),
            "probe": _probe_summary(probe),
        }
        return json.dumps(document, indent=2) + "\n"
    return "".join(_text(result) for result in results) + _text_summary(results, workers, seconds, answers)


def _text(result: Result) -> str:
    finding = result.finding
    what = f"{finding.parameter}={finding.default}" if finding.parameter else (finding.default or "")
    lines = [f"{finding.path}:{finding.line}:{finding.column}: {finding.code} {finding.api} {what}".rstrip()]
    lines.append(f"  {result.verdict}: {result.reason}")
    if answers_note(result.answers):
        lines.append(f"  answers: {answers_note(result.answers)}")
    if result.divergence is not None:
        lines.append(f"    {result.divergence.calls[0]}  vs  {result.divergence.calls[1]}")
    for step in (result.fix, result.pin):
        if step is not None:
            lines.append(f"  {step.status}: {step.summary}" if step.summary else f"  {step.status}")
    for step in result.also:
        lines.append(f"  also, {step.title}: {step.status}: {step.summary}")
    lines.extend(f"  note: {note}" for note in result.notes)
    return "\n".join(lines) + "\n"


def _text_summary(results: Sequence[Result], workers: dict, seconds: float, answers: AnswerTally) -> str:
    tally = counts(results)
    verdicts = ", ".join(f"{count} {name}" for name, count in sorted(tally["verdicts"].items()))
    fixes = ", ".join(f"{count} {name}" for name, count in sorted(tally["fixes"].items()))
    pins = ", ".join(f"{count} {name}" for name, count in sorted(tally["pins"].items()))
    started = "; ".join(
        f"{', '.join(f'{k} {v}' for k, v in info['versions'].items())} (ready in {info['startup_seconds']} s)"
        if info["startup_seconds"] is not None else f"{name} (did not start)"
        for name, info in workers_summary(workers).items()
    )
    return (
        f"conv-lint verify: {tally['findings']} finding(s): {verdicts or 'none'}; fixes: {fixes or 'none'};"
        f" pins: {pins or 'none'}; {answers.text()}; workers: {started or 'none'}; {seconds:.1f} s\n"
    )


# -- HTML ---------------------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
.finding{border:1px solid #ddd;border-radius:6px;padding:.8em 1em;margin:1em 0}
code,pre{font-family:ui-monospace,monospace;font-size:90%}
pre{background:#f6f6f6;padding:.4em;overflow-x:auto;white-space:pre-wrap}
.badge{display:inline-block;padding:.1em .5em;border-radius:4px;color:#fff;font-weight:600;font-size:85%}
.CONFIRMED,.FIX-FAILED,.PIN-FAILED,.DIFFERS{background:#c0392b}
.NOT-CONFIRMED,.FIX-VERIFIED,.PIN-VERIFIED,.AGREES{background:#27ae60}
.UNVERIFIABLE,.NO-FIX,.NO-PIN,.FIX-UNVERIFIABLE,.PIN-UNVERIFIABLE{background:#7f8c8d}
table{border-collapse:collapse;font-size:85%}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left}
.plots{display:flex;gap:1em;flex-wrap:wrap}
"""


def _badge(status: str) -> str:
    return f'<span class="badge {escape(status.replace(" ", "-"))}">{escape(status)}</span>'


def _evidence_table(evidence: dict) -> str:
    if not evidence:
        return ""
    rows = []
    for key, value in evidence.items():
        if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()):
            cells = "".join(
                f"<tr><td>{escape(str(name))}</td><td>{escape(_format(inner))}</td></tr>" for name, inner in value.items()
            )
            rows.append(f'<tr><th>{escape(key)}</th><td><table>{cells}</table></td></tr>')
        else:
            rows.append(f"<tr><th>{escape(key)}</th><td>{escape(_format(value))}</td></tr>")
    return f"<table>{''.join(rows)}</table>"


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_format(v)}" for k, v in value.items())
    return str(value)


def _step_html(step: Step | None, label: str) -> str:
    if step is None:
        return ""
    calls = "".join(f"<pre>{escape(call)}</pre>" for call in step.calls if call)
    figure = plot.histograms(step.series) if any("sample" in s for s in step.series) else plot.outputs(step.series)
    return (
        f"<h4>{escape(label)} {_badge(step.status)}</h4><p>{escape(step.summary)}</p>{calls}"
        f'<div class="plots">{figure}{_evidence_table(step.evidence)}</div>'
    )


def html(results: Sequence[Result], workers: dict, probe: Probe, answers: AnswerTally = AnswerTally()) -> str:
    tally = counts(results)
    sections = []
    for index, result in enumerate(results):
        finding = result.finding
        notes = "".join(f"<li>{escape(note)}</li>" for note in result.notes)
        also = "".join(_step_html(step, f"also: {step.title}") for step in result.also)
        sections.append(
            f'<section class="finding" id="f{index}">'
            f"<h3>{escape(finding.path)}:{finding.line}:{finding.column} <code>{escape(finding.code)}</code> "
            f"{_badge(result.verdict)}</h3>"
            f"<p>{escape(finding.message)}</p><pre>{escape(call_source(result))}</pre>"
            f"<p><b>{escape(result.verdict)}</b>: {escape(result.reason)}</p>"
            f"{f'<p><i>answers: {escape(answers_note(result.answers))}</i></p>' if answers_note(result.answers) else ''}"
            f"{_step_html(result.divergence, 'divergence')}{_step_html(result.fix, 'fix')}"
            f"{_step_html(result.pin, 'pin')}{also}"
            f"{f'<ul>{notes}</ul>' if notes else ''}</section>"
        )
    summary = ", ".join(f"{count} {name}" for name, count in sorted(tally["verdicts"].items()))
    environment = escape(json.dumps({"workers": workers_summary(workers), "probe": _probe_summary(probe)}, indent=1))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>conv-lint verify</title>'
        f"<style>{_STYLE}</style></head><body><h1>conv-lint verify</h1>"
        f"<p>{tally['findings']} finding(s): {escape(summary or 'none')}; {escape(answers.text())}. Verdicts: "
        f"{_badge(CONFIRMED)} the defaults really diverge, {_badge(NOT_CONFIRMED)} they agree for this configuration, "
        f"{_badge(UNVERIFIABLE)} not run (reason given).</p><details><summary>environment</summary><pre>{environment}</pre>"
        f"</details>{''.join(sections)}</body></html>\n"
    )


# -- --exec ---------------------------------------------------------------------------------------


def _exec_document(snippets, replays, cross, workers) -> dict:
    return {
        "snippets": [
            {
                "path": snippet.path,
                "seconds": round(snippet.seconds, 2),
                "returncode": snippet.returncode,
                "status": UNVERIFIABLE if snippet.failure else "RAN",
                "failure": snippet.failure,
                "landlock": snippet.landlock,
                "stdout": snippet.stdout,
                "calls": [
                    {
                        "line": replay.record.get("line"),
                        "api": replay.record.get("api"),
                        "via": replay.record.get("via"),
                        "settings": replay.record.get("settings"),
                        "input_shape": replay.record.get("input", {}).get("native_shape"),
                        "kernel_shape": replay.record.get("kernel", {}).get("native_shape"),
                        "output_shape": replay.record.get("output", {}).get("native_shape"),
                        "unverifiable": replay.unverifiable,
                        "replays": [item.as_dict() for item in replay.steps],
                    }
                    for replay in replays
                    if replay.snippet is snippet
                ],
            }
            for snippet in snippets
        ],
        "between_files": [item.as_dict() for item in cross],
        "workers": workers_summary(workers),
    }


def _record_line(replay) -> str:
    record = replay.record
    via = f" (via {record['via']})" if record.get("via") else ""
    settings = ", ".join(f"{name}={value!r}" for name, value in record.get("settings", {}).items())
    shapes = ""
    if "input" in record:
        shapes = (f" on input {tuple(record['input']['native_shape'])} with kernel {tuple(record['kernel']['native_shape'])}"
                  f" -> output {tuple(record['output']['native_shape'])}")
    return f"  {replay.where}: {record.get('api', '?')}{via}({settings}){shapes}"


def render_exec(snippets, replays, cross, output_format: str, workers: dict) -> str:
    if output_format == "json":
        return json.dumps(_exec_document(snippets, replays, cross, workers), indent=2) + "\n"
    lines = []
    for snippet in snippets:
        status = f"{UNVERIFIABLE}: {snippet.failure}" if snippet.failure else f"exit status {snippet.returncode}"
        own = [replay for replay in replays if replay.snippet is snippet]
        lines.append(f"{snippet.path}: ran in {snippet.seconds:.1f} s ({status}); {len(own)} conv call(s) recorded")
        for replay in own:
            lines.append(_record_line(replay))
            if replay.unverifiable:
                lines.append(f"    {UNVERIFIABLE}: {replay.unverifiable}")
            for item in replay.steps:
                lines.append(f"    {item.status}: {item.title}: {item.summary}")
                lines.append(f"      {item.calls[1]}")
    if cross:
        lines.append("between files:")
        lines.extend(f"  {item.status}: {item.title}: {item.summary}" for item in cross)
    return "\n".join(lines) + "\n"


def html_exec(snippets, replays, cross, workers: dict) -> str:
    sections = []
    for snippet in snippets:
        own = [replay for replay in replays if replay.snippet is snippet]
        calls = "".join(
            f'<div class="finding"><pre>{escape(_record_line(replay).strip())}</pre>'
            + (f"<p>{_badge(UNVERIFIABLE)} {escape(replay.unverifiable)}</p>" if replay.unverifiable else "")
            + "".join(_step_html(item, item.title) for item in replay.steps)
            + "</div>"
            for replay in own
        )
        status = f"{_badge(UNVERIFIABLE)} {escape(snippet.failure)}" if snippet.failure else f"exit status {snippet.returncode}"
        sections.append(
            f"<section><h2>{escape(snippet.path)}</h2><p>ran in {snippet.seconds:.1f} s ({status})</p>"
            f"<details><summary>output</summary><pre>{escape(snippet.stdout)}</pre></details>{calls}</section>"
        )
    between = "".join(_step_html(item, item.title) for item in cross)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>conv-lint verify --exec</title>'
        f"<style>{_STYLE}</style></head><body><h1>conv-lint verify --exec</h1>{''.join(sections)}"
        f"{'<h2>between files</h2>' + between if between else ''}"
        f"<details><summary>environment</summary><pre>{escape(json.dumps(workers_summary(workers), indent=1))}</pre></details>"
        "</body></html>\n"
    )
