"""Root causes inside an exercise: failures that go away with one of the learner's functions made correct.

``self_attention`` calls ``attention_weights``: when the weights are wrong,
the averages are wrong too, and a list of every failed check would send the
learner after symptoms. So, once a submission is graded, each failed check
that reaches one of the exercise's functions only through the learner's other
code (``standins.ROOTS``) runs again with that function replaced by the
grader's stand-in. A check that then passes failed because of that function:
the feedback says "fix it first", once, instead of listing the check. The
deepest function is tried first (``masked_softmax`` before
``attention_weights``), so the root of a chain is the one named.

The re-runs happen in their own sandboxed process after every grade is final;
they change no points, and what they print is never shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from exercises.comparison import compare

from . import standins
from .checks import Check
from .sandbox import Outcome, Task

@dataclass(frozen=True)
class Root:
    """A function of the learner's to fix first: with a correct one, ``checks`` (ids) pass.

    ``hidden``: those of them that test its callers, mere symptoms, left out of the feedback.
    """

    exercise: str
    function: str
    checks: tuple[str, ...]
    hidden: tuple[str, ...] = ()


def tasks(checks: Sequence[Check], failed: set[str]) -> list[tuple[str, Task]]:
    """The re-runs worth doing: (callee, task) for each ``failed`` check that may come from a callee, with it replaced, deepest first."""
    found = []
    for check in checks:
        if check.id in failed:
            for function, callee in standins.ROOTS.get(check.exercise, {}).items():
                if callee.reach is None or check.name in callee.reach:
                    found.append((function, Task(f"{check.id} with {function}", check, standins.setting(check.exercise, function))))
    return found


def find(what_if: Sequence[tuple[str, Task]], outcomes: dict[str, Outcome], expected: dict[str, Any]) -> list[Root]:
    """The roots the re-runs reveal: for each failed check, the first (deepest) callee it passes with."""
    cured: dict[str, str] = {}  # check id -> the callee it passes with
    for function, task in what_if:
        outcome = outcomes.get(task.key)
        if task.check.id in cured or outcome is None or outcome.failure is not None:
            continue
        if compare(expected[task.check.id], outcome.value, task.check) is None:
            cured[task.check.id] = function
    by_root: dict[tuple[str, str], list[str]] = {}
    for check_id, function in cured.items():
        by_root.setdefault((check_id.partition(".")[0], function), []).append(check_id)
    return [Root(exercise, function, tuple(ids), tuple(i for i in ids if i.partition(".")[2] in standins.ROOTS[exercise][function].behind))
            for (exercise, function), ids in by_root.items()]


def search(checks: Sequence[Check], failed: set[str], run: Callable[[list[Task]], dict[str, Outcome]],
           expected: dict[str, Any]) -> list[Root]:
    """Run the re-runs that ``failed`` calls for with ``run`` and return the roots they reveal."""
    what_if = tasks(checks, failed)
    return find(what_if, run([task for _, task in what_if]), expected) if what_if else []
