"""The notebook's check cells: the visible tests of ``pytest exercises``, run on a notebook's own code.

A check cell of the course notebook runs::

    from exercises.notebook import run_visible_tests
    run_visible_tests("attention", globals())

which is ``pytest exercises -m attention`` in the notebook's kernel, with the
names the notebook defined as the code under test (``--impl``). The tests,
their inputs and their messages are those of the file route, never a copy:
the package named by ``--impl`` is a view of the notebook's namespace
(``NamespaceModule``), and the same tutor plugin reports a stub or an error
raised in the learner's code, with a cell instead of a file as the place.

The cell prints one line when every test passes, and otherwise raises
``VisibleTestsFailed``, whose message lists each failing test and its message.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FunctionType, ModuleType

import pytest

from .catalogue import Exercise, by_key, exercise_modules
from .tutor import Progress, Tutor, status, what_to_write

# The package name --impl gets: the notebook's namespace, one module per exercise module.
PACKAGE = "_notebook_answers"
TESTS = Path(__file__).resolve().parent / "tests"


class NamespaceModule(ModuleType):
    """A module whose attributes are the current names of a namespace (a notebook's ``globals()``).

    The names are read when a test asks for them, so a cell run again is seen at once.
    """

    def __init__(self, name: str, namespace: dict) -> None:
        super().__init__(name)
        self._namespace = namespace

    def __getattr__(self, name: str):
        try:
            return self._namespace[name]
        except KeyError:
            raise AttributeError(f"the notebook defines no {name}: run the cell that defines it") from None


@dataclass(frozen=True)
class NotebookCode:
    """Where the learner's code lives on the notebook route: the cells that defined its functions and classes.

    A Jupyter kernel compiles each cell as a file of its own; those files are
    the learner's, and a line number in one is a line of that cell.
    """

    files: frozenset[str]

    @classmethod
    def of(cls, namespace: dict) -> NotebookCode:
        """The cells behind every function and method the namespace's own code defined."""
        module = namespace.get("__name__", "__main__")
        functions = []
        for value in list(namespace.values()):
            if getattr(value, "__module__", None) != module:
                continue  # imported, not written in the notebook
            if isinstance(value, type):
                functions += [f for f in vars(value).values() if isinstance(f, FunctionType)]
            elif isinstance(value, FunctionType):
                functions.append(value)
        return cls(frozenset(f.__code__.co_filename for f in functions))

    def owns(self, path: str) -> bool:
        return path in self.files

    def locate(self, path: str, lineno: int) -> str:
        return f"line {lineno} of its cell"

    def home(self, exercise: Exercise) -> str:
        return "its answer cell above"


@dataclass(frozen=True)
class Result:
    """One visible test: its exercise, name, docstring's first line, and how it failed.

    Attributes:
        message: what a learner reads (the tutor's, or the failed assertion's); None when it passed.
        not_started: the label of the exercise whose stub it ran into (``"Exercise 4"``), if any.
    """

    exercise: str
    name: str
    doc: str
    message: str | None = None
    not_started: str | None = None


class _Collector:
    """Records each test's result as the tutor reported it."""

    def __init__(self) -> None:
        self.results: list[Result] = []

    # tryfirst: the outermost wrapper, so the tutor has already rewritten the report.
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        if call.when == "call" or report.failed or report.skipped:
            message = None
            if report.failed:
                message = report.longrepr if isinstance(report.longrepr, str) else str(call.excinfo.value)
            doc = (getattr(getattr(item, "function", None), "__doc__", None) or "").strip().splitlines()
            self.results.append(Result(getattr(report, "exercise_key", ""), item.name, doc[0] if doc else "", message, getattr(report, "not_started", None)))
        return report


@contextlib.contextmanager
def _as_package(namespace: dict) -> Iterator[None]:
    """``import _notebook_answers.attention`` (and every exercise module) gives a view of ``namespace``."""
    modules = {PACKAGE: NamespaceModule(PACKAGE, namespace)}
    modules[PACKAGE].__path__ = []
    modules.update({f"{PACKAGE}.{m}": NamespaceModule(f"{PACKAGE}.{m}", namespace) for m in exercise_modules()})
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def visible_results(keys: list[str], namespace: dict) -> tuple[list[Result], dict[str, Progress]]:
    """Run ``pytest exercises -m "KEY or ..."`` on the code ``namespace`` defined.

    Returns one result per test, and the tutor's progress of each exercise
    (its status, as the progress table of ``pytest exercises`` gives it).

    Raises:
        RuntimeError: if pytest could not run the tests (its output says why).
    """
    collector = _Collector()
    tutor = Tutor(PACKAGE, NotebookCode.of(namespace))
    args = [
        str(TESTS), "-m", " or ".join(keys), "--impl", PACKAGE,
        # No configuration file, whatever the folder: the options are all here.
        "-c", os.devnull, "--rootdir", str(TESTS.parent), "--confcutdir", str(TESTS),
        "-p", "exercises.tutor", "--disable-plugin-autoload", "--strict-markers", "-q",
        # Nothing written to disk, no file-descriptor tricks inside a kernel.
        "-p", "no:cacheprovider", "-p", "no:faulthandler", "-p", "no:logging", "-p", "no:unraisableexception",
        "--capture=sys",
    ]
    output = io.StringIO()
    with _as_package(namespace), contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        exit_code = pytest.main(args, plugins=[tutor, collector])
    if exit_code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or not collector.results:
        raise RuntimeError(f"pytest could not run the visible tests of {keys} (exit status {int(exit_code)}):\n{output.getvalue()[-3000:]}")
    return collector.results, {e.key: p for e, p in tutor.shown()}


class VisibleTestsFailed(AssertionError):
    """Some visible tests of an exercise fail; the message lists them."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: the messages are what the learner needs.
        return [f"{type(self).__name__}: {self}"]


def report(exercise: Exercise, results: list[Result], progress: Progress) -> str:
    """What a check cell says: one line when every test passes, else each failing test and its message.

    The status after the count is the one the progress table of ``pytest
    exercises`` gives (``finish Exercise 4 first``, ``Exercise 4 is failing:
    fix it first``), when it says more than the count.
    """
    head = f"{exercise.label}, {exercise.title}"
    tests = f"the tests of `{exercise.command}`"
    state = status(exercise, progress, short=True)
    if state == "done":
        return f"{head}: all {progress.total} visible tests pass ({tests})."
    if state == "not started":
        return f"{head}: not started. Write {what_to_write(exercise)} in its answer cell above, run that cell, then this one."
    failed = [r for r in results if r.exercise == exercise.key and r.message is not None]
    lines = [f"{head}: {len(failed)} of {progress.total} visible tests fail ({tests})."]
    if not state.endswith("failing") and not state.endswith("not started"):
        lines[0] = lines[0][:-1] + f"; {state}."
    for message, same in _by_message(failed):
        # A message many tests share (a stub they all run into) is shown once.
        lines.append(f"- {same[0].name}: {same[0].doc}" if len(same) == 1 else f"- {same[0].name} and {len(same) - 1} more test{'s' if len(same) > 2 else ''}:")
        lines += ["    " + line for line in message.splitlines()]
    return "\n".join(lines)


def _by_message(results: list[Result]) -> list[tuple[str, list[Result]]]:
    """The failed results grouped by their message, in the order of each message's first test."""
    groups: dict[str, list[Result]] = {}
    for result in results:
        groups.setdefault(result.message, []).append(result)
    return list(groups.items())


def run_visible_tests(key: str, namespace: dict) -> None:
    """The check cell of exercise ``key``: print that its visible tests pass, or raise with their messages.

    The tests of the earlier exercises it uses run too (their results are not
    shown), so that a failure they explain says to fix them first.

    Raises:
        VisibleTestsFailed: if a visible test of the exercise fails.
    """
    exercise = by_key(key)
    results, progress = visible_results([key, *exercise.uses], namespace)
    text = report(exercise, results, progress[key])
    if progress[key].passed < progress[key].total:
        raise VisibleTestsFailed(text)
    print(text)
