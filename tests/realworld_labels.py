"""Score conv-lint against the labelled call sites of the real-code corpus (tests/realworld/labels.csv).

Per code, over the labelled lines only: a true positive is an expected code that is reported on its
line, a false negative an expected code that is not, a false positive a reported code the row does
not expect. tests/realworld/thresholds.toml holds the recall and precision each code must keep.

    uv run python tests/realworld_labels.py            # the table, then every row scored wrong
"""

from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import realworld_corpus
from conftest import Finding, parse_findings

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

HERE = Path(__file__).resolve().parent / "realworld"
LABELS = HERE / "labels.csv"
THRESHOLDS = HERE / "thresholds.toml"
CODES = ("CNV001", "CNV002", "CNV003", "CNV004", "CNV005")


@dataclass(frozen=True)
class Label:
    package: str
    file: str
    line: int
    api: str
    expected: frozenset[str]
    pattern: str
    note: str


@dataclass
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def recall(self) -> float:
        found = self.true_positives + self.false_negatives
        return self.true_positives / found if found else 1.0

    @property
    def precision(self) -> float:
        reported = self.true_positives + self.false_positives
        return self.true_positives / reported if reported else 1.0


def read_labels(path: Path = LABELS) -> list[Label]:
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    return [
        Label(row["package"], row["file"], int(row["line"]), row["api"], frozenset(row["expected"].split()),
              row["pattern"], row["note"])
        for row in csv.DictReader(lines)
    ]


def read_thresholds(path: Path = THRESHOLDS) -> dict[str, dict[str, float]]:
    return tomllib.loads(path.read_text())


def reported_codes(findings: list[Finding], corpus: Path) -> dict[tuple[str, int], set[str]]:
    """The scored codes ``check`` reported, by (path relative to the corpus folder, line)."""
    codes: dict[tuple[str, int], set[str]] = {}
    for finding in findings:
        if finding.code in CODES:
            where = (Path(finding.path).resolve().relative_to(corpus.resolve()).as_posix(), finding.line)
            codes.setdefault(where, set()).add(finding.code)
    return codes


def score(labels: list[Label], reported: dict[tuple[str, int], set[str]]) -> dict[str, Score]:
    scores = {code: Score() for code in CODES}
    for label in labels:
        found = reported.get((label.file, label.line), set())
        for code in CODES:
            if code in label.expected and code in found:
                scores[code].true_positives += 1
            elif code in label.expected:
                scores[code].false_negatives += 1
            elif code in found:
                scores[code].false_positives += 1
    return scores


def wrong_rows(labels: list[Label], reported: dict[tuple[str, int], set[str]]) -> list[tuple[Label, set[str]]]:
    return [(label, found) for label in labels
            if (found := reported.get((label.file, label.line), set())) != label.expected]


def table(scores: dict[str, Score]) -> str:
    rows = [f"{'code':8} {'recall':>7} {'precision':>9} {'TP':>5} {'FP':>5} {'FN':>5}"]
    for code, s in scores.items():
        if s.true_positives + s.false_positives + s.false_negatives:
            rows.append(f"{code:8} {s.recall:7.3f} {s.precision:9.3f} {s.true_positives:5} {s.false_positives:5} "
                        f"{s.false_negatives:5}")
    return "\n".join(rows)


def main() -> int:
    packages = realworld_corpus.ensure()
    folder = realworld_corpus.default_folder()
    process = subprocess.run(
        [sys.executable, "-m", "conv_lint", *realworld_corpus.CHECK, *map(str, packages.values())],
        capture_output=True, text=True, cwd=folder, check=True,
    )
    labels = read_labels()
    reported = reported_codes(parse_findings(process.stdout), folder)
    print(f"{len(labels)} labelled call sites\n{table(score(labels, reported))}\n")
    for label, found in wrong_rows(labels, reported):
        print(f"{label.file}:{label.line} [{label.pattern}] expected {' '.join(sorted(label.expected)) or '-'}, "
              f"reported {' '.join(sorted(found)) or '-'}: {label.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
