"""The instructor's files: ``results.json`` and ``feedback.md`` per submission, ``grades.csv`` for the class.

Every file is written atomically (a temporary file, then a rename), so an
interrupted run leaves each file either complete or as it was.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from .grade import BONUS, EXERCISE_BY_KEY, MAX_SCORE, CheckResult, Report

PRINTABLE = re.compile(r"[^\t\n\x20-\x7e\u00a0-\uffff]")


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step: a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_submission(report: Report, folder: Path) -> None:
    """``results.json`` and ``feedback.md`` of one submission."""
    write_atomically(folder / "results.json", json.dumps(results_json(report), indent=2) + "\n")
    write_atomically(folder / "feedback.md", feedback_markdown(report))


def write_grades(reports: Sequence[Report], path: Path) -> None:
    """``grades.csv``: submission, score, max_score, then one column per exercise (the bonus last, extra)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["submission", "score", "max_score", *EXERCISE_BY_KEY])
    for report in reports:
        writer.writerow([report.submission, report.score, MAX_SCORE, *(report.by_exercise[key][0] for key in EXERCISE_BY_KEY)])
    write_atomically(path, buffer.getvalue())


def results_json(report: Report) -> dict:
    return {
        "submission": report.submission, "score": report.score, "max_score": MAX_SCORE, "bonus": report.bonus,
        "exercises": {key: {"points": got, "max_points": top} for key, (got, top) in report.by_exercise.items()},
        "problem": report.problem,
        "fingerprint": report.fingerprint, "grader_version": report.version,
        "tests": [asdict(r) for r in report.results],
    }


def load_report(path: Path) -> Report | None:
    """The report saved in a ``results.json``, or None if the file is missing or not one of ours."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        results = [CheckResult(**test) for test in data["tests"]]
        return Report(data["submission"], results, problem=data["problem"], fingerprint=data["fingerprint"], version=data["grader_version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def feedback_markdown(report: Report) -> str:
    bonus_max = EXERCISE_BY_KEY[BONUS].points
    lines = [f"# Feedback: {report.submission}", "", f"**Score: {report.score} / {MAX_SCORE}**, bonus {report.bonus} / {bonus_max}", ""]
    if report.problem:
        lines += [f"Your submission could not be graded: {report.problem}.", ""]
    for key, exercise in EXERCISE_BY_KEY.items():
        got, top = report.by_exercise[key]
        lines += [f"## {exercise.label}: {exercise.title} — {got} / {top}", "", *exercise_feedback(report, key), ""]
    return "\n".join(lines + printed_markdown(report))


def exercise_feedback(report: Report, key: str) -> list[str]:
    """One exercise's feedback in Markdown: all passed, not started, or a line per failed check (hint and likely cause)."""
    exercise = EXERCISE_BY_KEY[key]
    failed = [r for r in report.results if r.exercise == key and not r.passed]
    if not failed:
        return ["Every check passed."]
    if report.by_exercise[key][0] == 0 and all("not started:" in r.message for r in failed):
        return [f"Not started: {exercise.module}.py still raises NotImplementedError in {', '.join(exercise.targets)}."]
    return [f"- ({r.max_points} pt) {' '.join(r.message.split())}" for r in failed]


def printed_markdown(report: Report) -> list[str]:
    """The first lines the learner's code printed, fenced so that nothing in them can format the page."""
    if not report.output.strip():
        return []
    shown = PRINTABLE.sub("?", "\n".join(report.output.strip().splitlines()[:20]))
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", shown)), default=0))
    return ["## What your code printed (first lines)", "", fence, shown, fence, ""]
