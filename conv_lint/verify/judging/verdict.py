"""The verdicts of a check, once its runs are answered: the record every report renders.

- CONFIRMED: the call and its counterpart really differ (shapes, values beyond tolerance,
  one raises, or the initializers draw from different distributions).
- NOT CONFIRMED: for this configuration the two defaults give the same result.
- UNVERIFIABLE: the check could not run (arguments not known statically, an API verify
  does not model, a framework missing, a worker that failed); the reason says which.

Then the fix (FIX VERIFIED / FIX FAILED / NO FIX / FIX UNVERIFIABLE) and the pin written by
``conv-lint fix`` (PIN VERIFIED / PIN FAILED / NO PIN / PIN UNVERIFIABLE).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conv_lint.analyzer import Finding
from conv_lint.catalog import PADDING
from conv_lint.verify.judging.agreement import AGREE, DIFFER, Outcome, size_label
from conv_lint.verify.planning.plan import Check, RunComparison

CONFIRMED, NOT_CONFIRMED, UNVERIFIABLE = "CONFIRMED", "NOT CONFIRMED", "UNVERIFIABLE"
REPLAY_AGREES, REPLAY_DIFFERS = "REPLAY AGREES", "REPLAY DIFFERS"  # --exec: a recorded call run again elsewhere
FIX_VERIFIED, FIX_FAILED, FIX_NONE, FIX_UNVERIFIABLE = "FIX VERIFIED", "FIX FAILED", "NO FIX", "FIX UNVERIFIABLE"
PIN_VERIFIED, PIN_FAILED, PIN_NONE, PIN_UNVERIFIABLE = "PIN VERIFIED", "PIN FAILED", "NO PIN", "PIN UNVERIFIABLE"
DIFFERS, AGREES = "DIFFERS", "AGREES"  # a further comparison (symmetric padding, the flip alone, two files)


@dataclass
class Step:
    """One comparison's result as a report shows it."""

    title: str
    status: str
    summary: str
    calls: tuple[str, str] = ("", "")
    evidence: dict = field(default_factory=dict)
    series: list[dict] = field(default_factory=list)  # what the HTML report plots

    def as_dict(self) -> dict:
        return {"title": self.title, "status": self.status, "summary": self.summary, "calls": list(self.calls),
                "evidence": self.evidence}


@dataclass
class Result:
    finding: Finding
    verdict: str
    reason: str
    divergence: Step | None = None
    fix: Step | None = None
    pin: Step | None = None
    also: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Where the workers' answers behind the verdicts came from: {"from_cache": n, "computed": m,
    # "computed_at": the oldest kept answer's date or None}; {} when nothing was run.
    answers: dict = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """A real divergence, or a fix or pin that does not hold: what makes ``verify`` exit 1."""
        return self.verdict == CONFIRMED or any(
            step is not None and step.status in (FIX_FAILED, PIN_FAILED) for step in (self.fix, self.pin)
        )

    def as_dict(self) -> dict:
        return {
            **self.finding.as_dict(),
            "verdict": self.verdict,
            "reason": self.reason,
            "divergence": self.divergence.as_dict() if self.divergence else None,
            "fix": self.fix.as_dict() if self.fix else None,
            "pin": self.pin.as_dict() if self.pin else None,
            "also": [step.as_dict() for step in self.also],
            "notes": self.notes,
            "answers": self.answers,
        }


def judge(check: Check) -> Result:
    """The check's verdicts; for a conditional alias, every candidate's, combined: CONFIRMED only where
    each candidate confirms, NOT CONFIRMED where one of them does not diverge, else UNVERIFIABLE."""
    result = _judge_call(check)
    if not check.candidates:
        return result
    others = [judge(candidate) for candidate in check.candidates]
    candidates = [{"api": each.finding.api, "verdict": each.verdict, "reason": each.reason} for each in (result, *others)]
    verdicts = {candidate["verdict"] for candidate in candidates}
    result.verdict = CONFIRMED if verdicts == {CONFIRMED} else NOT_CONFIRMED if NOT_CONFIRMED in verdicts else UNVERIFIABLE
    lead = {CONFIRMED: "every candidate of the callee confirms", NOT_CONFIRMED: "not every candidate of the callee diverges",
            UNVERIFIABLE: "not every candidate of the callee could be checked"}[result.verdict]
    result.reason = f"{lead}: " + "; ".join(f"{c['api']}: {c['verdict']} ({c['reason']})" for c in candidates)
    if result.divergence is not None:
        result.divergence.evidence["candidates"] = candidates
    own_notes = list(result.notes)
    for each in others:
        result.notes.extend(f"{each.finding.api}: {note}" for note in each.notes if note not in own_notes)
        if each.fix is not None:
            result.notes.append(f"{each.finding.api}: fix {each.fix.status}: {each.fix.summary}")
    return result


def _judge_call(check: Check) -> Result:
    finding = check.finding
    if check.unverifiable:
        return Result(finding, UNVERIFIABLE, check.unverifiable, notes=check.notes)
    divergence = step(check.divergence, {DIFFER: CONFIRMED, AGREE: NOT_CONFIRMED}, UNVERIFIABLE)
    if check.stand_ins:
        divergence.evidence["stand_ins"] = check.stand_ins
    if divergence.status == NOT_CONFIRMED:
        reason = f"for this configuration the defaults give the same result: {divergence.summary}{_why_agree(check)}"
    else:
        reason = divergence.summary
    result = Result(finding, divergence.status, reason, divergence=divergence, notes=list(check.notes))
    if check.fix is not None:
        result.fix = step(check.fix, {AGREE: FIX_VERIFIED, DIFFER: FIX_FAILED}, FIX_UNVERIFIABLE, check.fix_note)
    else:
        result.fix = Step("fix", FIX_NONE, check.fix_note)
    result.pin = judge_pin(check)
    result.also = [step(comparison, {DIFFER: DIFFERS, AGREE: AGREES}, UNVERIFIABLE) for comparison in check.also]
    return result


def judge_pin(check: Check) -> Step:
    """Whether the call with today's defaults pinned (``conv-lint fix``) gives bit-identical outputs."""
    if check.unverifiable:
        return Step("pin", PIN_UNVERIFIABLE, check.unverifiable)
    if check.pin is None:
        return Step("pin", PIN_NONE, check.pin_note)
    unsafe = "an unsafe fix, written by conv-lint fix --unsafe-fixes" if check.finding.spec.unsafe else ""
    return step(check.pin, {AGREE: PIN_VERIFIED, DIFFER: PIN_FAILED}, PIN_UNVERIFIABLE, unsafe)


def step(comparison: RunComparison, statuses: dict[str, str], unknown: str, note: str = "") -> Step:
    """A comparison's outcome as a report step, named by ``statuses`` (outcome state -> status)."""
    outcome: Outcome = comparison.outcome()
    summary = f"{note}: {outcome.summary}" if note else outcome.summary
    return Step(
        comparison.title,
        statuses.get(outcome.state, unknown),
        summary,
        (comparison.calls[0].label(), comparison.calls[1].label()),
        outcome.evidence,
        _series(comparison, outcome),
    )


def _series(comparison: RunComparison, outcome: Outcome) -> list[dict]:
    """The two sides' outputs on the probe the outcome speaks of (or their samples), for a plot."""
    if comparison.mode == "samples":
        _, a, b, _ = comparison.runs[0]
        return [{"name": name, "sample": answer.get("values", [])} for name, answer in zip(comparison.names, (a.answer, b.answer))]
    wanted = outcome.evidence.get("length")
    for size, a, b, _ in comparison.runs:
        if wanted is None or size_label(size) == wanted:
            return [
                {"name": name, "shape": answer["output"]["shape"], "values": answer["output"]["values"]}
                for name, answer in zip(comparison.names, (a.answer, b.answer))
                if "output" in answer
            ]
    return []


def _why_agree(check: Check) -> str:
    """Why two different defaults coincide here, where a reason is known."""
    if check.finding.spec is not None and check.finding.spec.hazard == PADDING and all(k == 1 for k in check.conv.effective_kernel):
        return " (a kernel of size 1 needs no padding)"
    return ""
