"""Which catalogued bug explains a learner's results: named only when it explains all it predicts.

Each bug of the catalogue (``mutants.toml``) is a hypothesis: the reference
with one realistic mistake. The grader runs it through the same probes, and
the checks it fails are the ones it *touches*: its predictions. It explains
the learner's result on a check when, part by part,

- where the learner is right, the hypothesis is right too (so a learner's
  own wording of a correct error message never counts against it), and
- where the learner is wrong, the hypothesis is wrong the same way: the same
  values (within the check's tolerance, NaN equal to NaN), or the same
  exception by type and by message (numbers aside).

A bug is

- **named** when it explains every check of its exercise that it touches,
  and so every check it touches is one the learner failed (a bug that would
  have failed a check the learner passed is not their bug). Checks it does
  not touch may fail for another reason: a learner can have two bugs;
- offered as **possibly** when no bug is named, the learner failed every
  check it touches, and it explains at least half of them;
- otherwise left out. A wrong name is worse than none.

When two named bugs both hold, the one whose predictions include the
other's is kept: it explains more of the same evidence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .checks import Check, compare

NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Diagnosis:
    """A likely cause of an exercise's failures."""

    exercise: str
    id: str
    message: str
    certain: bool = True


def explains(expected: Any, produced: Any, actual: Any, check: Check) -> bool:
    """Whether a hypothesis's result ``produced`` is the learner's ``actual``, part by part, given the reference's ``expected``."""
    if compare(expected, actual, check) is None:
        return compare(expected, produced, check) is None
    if _raised(produced) or _raised(actual):
        return _raised(produced) and _raised(actual) and produced["raised"][0] == actual["raised"][0] \
            and NUMBER.sub("#", produced["message"]) == NUMBER.sub("#", actual["message"])
    parts = _parts(expected, produced, actual)
    if parts is not None:
        return all(explains(e, p, a, check) for e, p, a in parts)
    return compare(actual, produced, check, equal_nan=True) is None


def _parts(expected: Any, produced: Any, actual: Any) -> list[tuple[Any, Any, Any]] | None:
    """The three results side by side, item by item, when all three have the same layout."""
    if all(isinstance(v, (list, tuple)) for v in (expected, produced, actual)) and len(expected) == len(produced) == len(actual):
        return list(zip(expected, produced, actual))
    if all(isinstance(v, dict) for v in (expected, produced, actual)) and expected.keys() == produced.keys() == actual.keys():
        return [(expected[k], produced[k], actual[k]) for k in expected]
    return None


def _raised(value: Any) -> bool:
    return isinstance(value, dict) and "raised" in value


def touched(checks: list[Check], expected: Mapping[str, Any], produced: Mapping[str, Any]) -> set[str]:
    """The ids of the checks a hypothesis fails: what it predicts the learner fails."""
    return {c.id for c in checks if compare(expected[c.id], produced[c.id], c) is not None}


def diagnose(exercise: str, checks: list[Check], expected: Mapping[str, Any], learner: Mapping[str, Any],
             hypotheses: list[tuple[str, str, Mapping[str, Any]]]) -> list[Diagnosis]:
    """The causes that explain the learner's results on ``exercise``'s checks.

    ``expected`` maps a check id to the reference's result; ``learner`` to the
    learner's (absent when the check produced none: a time-out, a crash);
    ``hypotheses`` are (id, message, results by check id). Returns the named
    causes, else at most one "possibly".
    """
    mine = [c for c in checks if c.exercise == exercise]
    failed = {c.id for c in mine if c.id not in learner or compare(expected[c.id], learner[c.id], c) is not None}
    if not failed:
        return []
    by_id = {c.id: c for c in mine}
    named: list[tuple[set[str], Diagnosis]] = []
    near: list[tuple[float, Diagnosis]] = []
    for bug_id, message, produced in hypotheses:
        predicted = touched(mine, expected, produced)
        if not predicted or not predicted <= failed:
            continue
        hits = {key for key in predicted if key in learner and explains(expected[key], produced[key], learner[key], by_id[key])}
        if hits == predicted:
            named.append((predicted, Diagnosis(exercise, bug_id, message)))
        elif len(hits) >= len(predicted) / 2:
            near.append((len(hits) / len(predicted), Diagnosis(exercise, bug_id, message, certain=False)))
    kept = [d for p, d in named if not any(p < other for other, _ in named)]
    if kept:
        return kept
    return [max(near, key=lambda item: item[0])[1]] if near else []
