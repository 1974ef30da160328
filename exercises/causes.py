"""The likely cause of an exercise's failing tests, found the way the grader finds it.

When an exercise fails, ``pytest exercises`` runs that exercise's visible
probes (``tests/probes.py``) on your code and compares what came out with
what the reference and each catalogued bug gave on the same probes
(``tests/causes.pt.gz``, written by ``python -m grader build``), using the
grader's own rules (``diagnosis.diagnose``): a bug is named only when it
explains everything it predicts. So the cause you see here is found as the
one in your grade, from public inputs instead of the hidden ones.

An exercise is only diagnosed when the exercises it uses give the
reference's results on their probes: a bug there would make every later
result differ, and the table already says to fix it first. Two named bugs
that the visible probes cannot tell apart (``twins``) are both left out.
"""

from __future__ import annotations

import gzip
import importlib
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch

from .catalogue import Exercise, by_key
from .comparison import compare
from .diagnosis import Diagnosis, diagnose
from .tests.probes import probes_of
from .tests.probing import Probe, run

SHIPPED = Path(__file__).resolve().parent / "tests" / "causes.pt.gz"


def load(path: Path = SHIPPED) -> dict[str, Any]:
    """The shipped results: per exercise key, the reference's and each bug's (see ``grader/causes.py``).

    ``weights_only``: the file holds tensors and plain data, and loading it runs no code.
    """
    return torch.load(io.BytesIO(gzip.decompress(path.read_bytes())), weights_only=True)


def find(exercises: Iterable[Exercise], package: str, path: Path = SHIPPED) -> list[Diagnosis]:
    """The likely causes of the failures of ``exercises`` in the code of ``package``; never raises.

    A missing or unreadable ``causes.pt.gz``, a module that does not import or a
    probe that cannot run means no cause for that exercise, never a broken
    test run: the tests have said what failed already.
    """
    try:
        shipped = load(path)
    except Exception:
        return []
    found = []
    for exercise in exercises:
        try:
            found += likely_causes(exercise, package, shipped)
        except (Exception, SystemExit):
            continue
    return found


def likely_causes(exercise: Exercise, package: str, shipped: dict[str, Any]) -> list[Diagnosis]:
    """``diagnose`` on ``exercise``'s probes run on ``package``, with the shipped bugs as hypotheses.

    Empty when a module it needs does not import, when an exercise it uses
    gives other results than the reference, or when the shipped results do
    not cover this exercise's probes.
    """
    keys = [*exercise.uses, exercise.key]
    if not all(imports(package, by_key(key).module) for key in keys):
        return []
    if not all(matches_reference(key, package, shipped) for key in exercise.uses):
        return []
    probes = probes_of(exercise.key)
    expected = shipped[exercise.key]["reference"]
    if {p.id for p in probes} != set(expected):
        return []
    learner = {p.id: run(p, package) for p in probes}
    hypotheses = [(bug["id"], bug["hint"], {**expected, **bug["results"]}) for bug in shipped[exercise.key]["bugs"]]
    found = diagnose(exercise.key, probes, expected, learner, hypotheses)
    predictions = {bug_id: produced for bug_id, _, produced in hypotheses}
    return [d for d in found if not twins(d, found, probes, predictions)]


def twins(cause: Diagnosis, found: list[Diagnosis], probes: list[Probe], predictions: dict[str, dict[str, Any]]) -> bool:
    """Whether another of the named causes ``found`` predicts just what ``cause`` does on every probe.

    The visible probes then cannot tell the two bugs apart (the hidden checks
    can), and naming both would give the learner two answers for one
    mistake: neither is named, a wrong name being worse than none. The
    project's tests keep the catalogue free of such twins.
    """
    mine = predictions.get(cause.id)
    if mine is None:  # a cause seen in the results themselves (a layout, tokens, a missing error): no bug predicts it
        return False
    return any(
        other.id != cause.id and all(compare(mine[p.id], predictions[other.id][p.id], p, equal_nan=True) is None for p in probes)
        for other in found if other.certain and cause.certain
    )


def matches_reference(key: str, package: str, shipped: dict[str, Any]) -> bool:
    """Whether every probe of exercise ``key`` gives the reference's result on ``package``."""
    expected = shipped[key]["reference"]
    return all(p.id in expected and compare(expected[p.id], run(p, package), p) is None for p in probes_of(key))


def imports(package: str, module: str) -> bool:
    """Whether ``package.module`` imports (a syntax error in it skips the diagnosis)."""
    try:
        importlib.import_module(f"{package}.{module}")
    except (Exception, SystemExit):
        return False
    return True
