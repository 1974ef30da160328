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
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path

from exercises.diagnosis import Diagnosis
from .grade import BONUS, EXERCISE_BY_KEY, MAX_SCORE, CheckResult, Report
from .roots import Root

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
        name = "'" + report.submission if report.submission.startswith(("=", "+", "-", "@")) else report.submission  # never a spreadsheet formula
        writer.writerow([name, report.score, MAX_SCORE, *(report.by_exercise[key][0] for key in EXERCISE_BY_KEY)])
    write_atomically(path, buffer.getvalue())


def results_json(report: Report) -> dict:
    return {
        "submission": report.submission, "score": report.score, "max_score": MAX_SCORE, "bonus": report.bonus,
        "exercises": {key: {"points": got, "max_points": top} for key, (got, top) in report.by_exercise.items()},
        "problem": report.problem,
        "fingerprint": report.fingerprint, "grader_version": report.version,
        "diagnoses": _entries(d for d in report.diagnoses if d.certain and d.kind == "cause"),
        "possible_causes": _entries(d for d in report.diagnoses if not d.certain),
        "crashes": _entries(d for d in report.diagnoses if d.kind == "crash"),
        "fix_first": [{"exercise": r.exercise, "function": r.function, "checks": list(r.checks), "hidden": list(r.hidden)} for r in report.roots],
        "tests": [asdict(r) for r in report.results],
    }


def _entries(diagnoses: Iterable[Diagnosis]) -> list[dict]:
    return [{"exercise": d.exercise, "id": d.id, "message": d.message} for d in diagnoses]


def load_report(path: Path) -> Report | None:
    """The report saved in a ``results.json``, or None if the file is missing or not one of ours."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        results = [CheckResult(**test) for test in data["tests"]]
        diagnoses = [Diagnosis(**d) for d in data["diagnoses"]] + [Diagnosis(**d, certain=False) for d in data["possible_causes"]]
        diagnoses += [Diagnosis(**d, kind="crash") for d in data.get("crashes", [])]
        roots = [Root(r["exercise"], r["function"], tuple(r["checks"]), tuple(r["hidden"])) for r in data.get("fix_first", [])]
        return Report(data["submission"], results, problem=data["problem"], fingerprint=data["fingerprint"],
                      version=data["grader_version"], diagnoses=diagnoses, roots=roots)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def feedback_markdown(report: Report) -> str:
    """The learner's feedback: per exercise its score, its likely cause first, then one bullet per distinct problem."""
    bonus_max = EXERCISE_BY_KEY[BONUS].points
    lines = [f"# Feedback: {report.submission}", "", f"**Score: {report.score} / {MAX_SCORE}**, bonus {report.bonus} / {bonus_max}", ""]
    if report.problem:
        lines += [f"Your submission could not be graded: {_one_line(report.problem)}.", ""]
    for key, exercise in EXERCISE_BY_KEY.items():
        got, top = report.by_exercise[key]
        lines += [f"## {exercise.label}: {exercise.title} — {got} / {top}", "", *exercise_feedback(report, key), ""]
    return "\n".join(lines + printed_markdown(report))


def exercise_feedback(report: Report, key: str) -> list[str]:
    """One exercise's feedback in Markdown: all passed, not started, or its likely cause and a line per distinct problem."""
    exercise = EXERCISE_BY_KEY[key]
    failed = [r for r in report.results if r.exercise == key and not r.passed]
    if not failed:
        return ["Every check passed."]
    if report.by_exercise[key][0] == 0 and all("not started:" in r.message for r in failed):
        return [f"Not started: {exercise.module}.py still raises NotImplementedError in {', '.join(exercise.targets)}."]
    return explanation(report.diagnoses, report.roots, failed, key)


def printed_markdown(report: Report) -> list[str]:
    """The first lines the learner's code printed, fenced so that nothing in them can format the page."""
    if not report.output.strip():
        return []
    shown = PRINTABLE.sub("?", "\n".join(report.output.strip().splitlines()[:20]))
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", shown)), default=0))
    return ["## What your code printed (first lines)", "", fence, shown, fence, ""]


def exercise_summary(results: Sequence[CheckResult], diagnoses: Sequence[Diagnosis], exercise: str,
                     roots: Sequence[Root] = ()) -> tuple[int, str]:
    """The points of one exercise's checks and what a notebook's hidden cell prints about them."""
    earned = sum(r.points for r in results)
    lines = [f"{exercise}: {earned} / {sum(r.max_points for r in results)} points from the hidden checks"]
    lines += explanation(diagnoses, roots, [r for r in results if not r.passed], exercise)
    return earned, "\n".join(line for line in lines if line) + "\n"


def explanation(diagnoses: Sequence[Diagnosis], roots: Sequence[Root], failed: Sequence[CheckResult], exercise: str) -> list[str]:
    """What went wrong in one exercise: its likely causes, what to fix first, then a bullet per distinct problem left."""
    return cause_lines(diagnoses, exercise) + root_lines(roots, exercise) + problem_lines(symptoms_removed(failed, roots))


def cause_lines(diagnoses: Sequence[Diagnosis], exercise: str) -> list[str]:
    """The likely causes of one exercise's failures, before its list of problems."""
    named = [d for d in diagnoses if d.exercise == exercise]
    labels = {"crash": "Your code raised", "cause": "Likely cause"}
    lines = [f"**{labels[d.kind] if d.certain else 'Possibly'}:** {_sentence(d.message)}" for d in named]
    return lines + ([""] if lines else [])


def root_lines(roots: Sequence[Root], exercise: str) -> list[str]:
    """"Fix X first", once per function whose mistakes make other checks fail."""
    lines = []
    for root in (r for r in roots if r.exercise == exercise):
        count, hidden = len(root.checks), len(root.hidden)
        line = (f"**Fix `{root.function}` first:** with a correct `{root.function}`, {count} of the failed "
                f"check{'s' if count > 1 else ''} of this exercise would pass")
        if hidden == 1:
            line += "; the one that only shows its effect on the code that calls it is not listed below"
        elif hidden:
            line += f"; the {hidden} that only show its effect on the code that calls it are not listed below"
        lines.append(line + ".")
    return lines + ([""] if lines else [])


def symptoms_removed(failed: Sequence[CheckResult], roots: Sequence[Root]) -> list[CheckResult]:
    """The failed checks that are not mere symptoms of a root: the ones still worth a bullet of their own."""
    hidden = {check for root in roots for check in root.hidden}
    return [r for r in failed if f"{r.exercise}.{r.test}" not in hidden]


def problem_lines(failed: Sequence[CheckResult]) -> list[str]:
    """One bullet per distinct problem: checks that failed the same way share a bullet."""
    groups: dict[str, list[CheckResult]] = {}
    for result in failed:
        hint, _, happened = result.message.partition(". What happened: ")
        groups.setdefault(happened or hint, []).append(result)
    lines = []
    for happened, results in groups.items():
        points = sum(r.max_points for r in results)
        hints = "; ".join(dict.fromkeys(r.message.partition(". What happened: ")[0] for r in results))
        where = "What happened" if len(results) == 1 else f"What happened in all {len(results)}"
        lines.append(_one_line(f"- ({points} pt) {hints}. {where}: {happened}" if happened else f"- ({points} pt) {hints}."))
    return lines


def _sentence(text: str) -> str:
    text = _one_line(text)
    return text if text.endswith((".", "?", "!")) else text + "."


def _one_line(text: str) -> str:
    return PRINTABLE.sub("?", " ".join(text.split()))
