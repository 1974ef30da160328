"""Which catalogued bug explains a learner's results: named only when it explains all of them.

Each bug of the catalogue (``mutants.toml``) is a hypothesis: the reference
with one realistic mistake. The grader runs it through the same probes and
asks, check by check, whether it *explains* what the learner's code did:
the same values (within the check's tolerance, NaN equal to NaN), or the
same exception, by type and by message. A bug is

- **named** when it explains every check of the exercise, the passed ones
  included (a bug that would have failed a check the learner passed is not
  their bug);
- offered as **possibly** when it explains every passed check and at least
  half of the failed ones (the learner may have it and something else), and
  no bug is named;
- otherwise left out. A wrong name is worse than none.
"""

from __future__ import annotations

import re
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


def explains(produced: Any, actual: Any, check: Check) -> bool:
    """Whether a hypothesis's result is the learner's: same values, or the same exception by type and message."""
    if _raised(produced) or _raised(actual):
        return _raised(produced) and _raised(actual) and produced["raised"][0] == actual["raised"][0] \
            and NUMBER.sub("#", produced["message"]) == NUMBER.sub("#", actual["message"])
    if isinstance(produced, (list, tuple)) and isinstance(actual, (list, tuple)):
        return len(produced) == len(actual) and all(explains(p, a, check) for p, a in zip(produced, actual))
    if isinstance(produced, dict) and isinstance(actual, dict):
        return produced.keys() == actual.keys() and all(explains(produced[k], actual[k], check) for k in produced)
    return compare(produced, actual, check, equal_nan=True) is None


def _raised(value: Any) -> bool:
    return isinstance(value, dict) and "raised" in value


def diagnose(exercise: str, checks: list[Check], learner: dict[str, Any], passed: dict[str, bool],
             hypotheses: list[tuple[str, str, dict[str, Any]]]) -> list[Diagnosis]:
    """The causes that explain the learner's results on ``exercise``'s checks.

    ``learner`` maps a check id to the learner's value (absent when the check
    produced none: a time-out, a crash); ``hypotheses`` are (id, message,
    results by check id). Returns the named causes, else at most one "possibly".
    """
    mine = [c for c in checks if c.exercise == exercise]
    failed = [c for c in mine if not passed[c.id]]
    if not failed:
        return []
    named, near = [], []
    for bug_id, message, produced in hypotheses:
        hits = {c.id for c in mine if c.id in learner and explains(produced[c.id], learner[c.id], c)}
        if len(hits) == len(mine):
            named.append(Diagnosis(exercise, bug_id, message))
        elif all(c.id in hits for c in mine if passed[c.id]):
            share = sum(c.id in hits for c in failed) / len(failed)
            if share >= 0.5:
                near.append((share, Diagnosis(exercise, bug_id, message, certain=False)))
    if named:
        return named
    return [max(near, key=lambda item: item[0])[1]] if near else []
