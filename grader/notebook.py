"""The hidden test cells of the nbgrader notebooks, run in the notebook's own kernel.

Only the instructor's source notebook uses this (to try the course end to
end with the reference answers). Students' notebooks are graded in the
sandbox by ``grader/nbgrade.py``, which reads the exercise from the same
cell and never runs the cell itself. A hidden cell runs::

    from grader.notebook import grade_exercise
    grade_exercise("attention", globals())

which runs every hidden check of that exercise on the functions the
notebook defined, prints a hint for each failed check to stdout, and
*returns* the points earned. nbgrader reads that number as the cell's
partial credit. Nothing is ever written to stderr: nbgrader would score a
cell with any stderr output zero, and torch may warn (in Python or in C++)
whatever its version, so stderr is caught at the file-descriptor level.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import warnings
from functools import lru_cache

from .checks import NamespaceImpl
from .report import exercise_summary


@lru_cache(maxsize=1)
def _grader():
    from .grade import Grader

    return Grader(sandbox=False)


@contextlib.contextmanager
def _silent_stderr():
    """Swallow everything written to stderr, by Python code or by C++ (file descriptor 2)."""
    sys.stderr.flush()
    with tempfile.TemporaryFile() as sink, contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def grade_exercise(exercise: str, namespace: dict) -> float:
    """Points earned by the notebook's code on the hidden checks of ``exercise``; hints are printed."""
    from .grade import Outcome

    with _silent_stderr():
        grader = _grader()
        impl = NamespaceImpl(namespace)
        outcomes = {c.id: Outcome(grader.probe(c, impl)) for c in grader.checks if c.exercise == exercise}
        if not outcomes:
            raise KeyError(f"no hidden checks for exercise {exercise!r}")
        results = grader.score(outcomes, only=exercise)
        earned, text = exercise_summary(results, grader.diagnose(outcomes, results), exercise)
    print(text, end="")
    return float(earned)
