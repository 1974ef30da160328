"""What a class got: the numbers behind the class report, read from the folder ``grade`` wrote.

The folder holds ``grades.csv`` (which submissions, in order) and, per
submission, ``results.json`` (every check). A submission's diagnosed bugs
are its ``diagnoses`` list ({exercise, id, message}): the causes the grader
named, kept apart from the checks' hints.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from exercises.diagnosis import Diagnosis

from .grade import BONUS, EXERCISE_BY_KEY, MAX_SCORE


@dataclass
class Graded:
    """One submission's grade, as ``results.json`` has it."""

    name: str
    score: int
    bonus: int
    problem: str | None
    exercises: dict[str, tuple[int, int]]
    checks: dict[str, bool]
    diagnoses: list[Diagnosis] = field(default_factory=list)


@dataclass(frozen=True)
class Bug:
    """A diagnosed bug and the submissions that have it."""

    exercise: str
    id: str
    message: str
    submissions: tuple[str, ...]


def load_class(out: Path) -> list[Graded]:
    """Every submission listed in ``out/grades.csv``, in its order.

    Raises:
        ValueError: if ``out`` is not a folder written by ``grade``, naming the missing or unreadable file.
    """
    grades = out / "grades.csv"
    if not grades.is_file():
        raise ValueError(f"{out} has no grades.csv: expected the --out folder of `python -m grader grade`")
    with grades.open(encoding="utf-8", newline="") as handle:
        names = [row["submission"] for row in csv.DictReader(handle)]
    if not names:
        raise ValueError(f"{grades} lists no submissions: grade some first")
    return [load_graded(out / name / "results.json") for name in names]


def load_graded(path: Path) -> Graded:
    """One ``results.json``.

    Raises:
        ValueError: naming the file, if it is missing or not a grader's ``results.json``.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        checks = {f"{t['exercise']}.{t['test']}": bool(t["passed"]) for t in data["tests"]}
        exercises = {key: (value["points"], value["max_points"]) for key, value in data["exercises"].items()}
        diagnoses = [Diagnosis(d["exercise"], d["id"], d["message"]) for d in data["diagnoses"]]
        return Graded(data["submission"], data["score"], data.get("bonus", 0), data.get("problem"), exercises, checks, diagnoses)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a results.json written by `python -m grader grade` ({type(error).__name__}: {error})") from None


# --- the class's figures ----------------------------------------------------------------------


def exercise_shares(graded: Sequence[Graded]) -> dict[str, float]:
    """Each exercise's mean score as a share (0-1) of its points, in course order; the bonus last."""
    return {key: statistics.fmean(g.exercises[key][0] for g in graded) / exercise.points for key, exercise in EXERCISE_BY_KEY.items()}


def pass_rates(graded: Sequence[Graded]) -> list[tuple[str, float]]:
    """(check id, share of submissions passing it), worst first; ties in catalogue order."""
    ids = list(dict.fromkeys(check for g in graded for check in g.checks))
    rates = [(check, sum(g.checks.get(check, False) for g in graded) / len(graded)) for check in ids]
    return sorted(rates, key=lambda item: item[1])


def common_bugs(graded: Sequence[Graded]) -> list[Bug]:
    """Every diagnosed bug with the submissions that have it, most common first."""
    having: dict[tuple[str, str, str], list[str]] = {}
    for g in graded:
        for d in dict.fromkeys(g.diagnoses):
            having.setdefault((d.exercise, d.id, d.message), []).append(g.name)
    bugs = [Bug(exercise, id_, message, tuple(names)) for (exercise, id_, message), names in having.items()]
    return sorted(bugs, key=lambda b: -len(b.submissions))


def summary(graded: Sequence[Graded]) -> dict:
    """The headline numbers: how many, mean, median, lowest and highest score, out of ``MAX_SCORE``."""
    scores = [g.score for g in graded]
    return {"submissions": len(graded), "mean": statistics.fmean(scores), "median": statistics.median(scores),
            "lowest": min(scores), "highest": max(scores), "max_score": MAX_SCORE,
            "bonus_mean": statistics.fmean(g.bonus for g in graded), "bonus_max": EXERCISE_BY_KEY[BONUS].points,
            "not_graded": [g for g in graded if g.problem]}
