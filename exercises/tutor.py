"""A pytest plugin that reports the exercises like a tutor, not like a stack trace.

- ``--impl NAME`` picks the package the tests check: ``exercises`` (yours,
  the default) or ``solutions`` (the reference, where it is installed).
- A test that hits a stub's ``NotImplementedError("Exercise N (...): ...")``
  is reported as *not started* (``n``), with a one-line reason instead of a
  traceback; it still counts as a failure for the exit code.
- The run ends with one line per exercise: tests passed, points, and what to
  do next.

It is loaded for every run by ``addopts = "-p exercises.tutor"`` in the
project's pytest configuration.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .catalogue import EXERCISES, Exercise

# The message of a stub's NotImplementedError, written by `python -m grader build`.
NOT_STARTED = re.compile(r"^(Exercise \d+|Bonus) \(([^)]*)\): ")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("exercises").addoption(
        "--impl",
        default="exercises",
        help="package whose code the exercise tests check: exercises (yours, default) or solutions (the reference)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.option.tbstyle == "auto" and any("exercises" in Path(arg).parts for arg in config.args):
        config.option.tbstyle = "short"  # the failing line and the hint; no dump of the inputs
    for exercise in EXERCISES:
        config.addinivalue_line("markers", f"{exercise.key}: {exercise.label}, {exercise.title}")
    config.pluginmanager.register(Tutor(config.getoption("impl")), "exercises-tutor")


def exercise_of(item: pytest.Item) -> Exercise | None:
    """The exercise a test belongs to, from its marker."""
    keys = {mark.name for mark in item.iter_markers()}
    return next((e for e in EXERCISES if e.key in keys), None)


def what_to_write(exercise: Exercise) -> str:
    """``tokenize, Vocab.__getitem__, build_vocab``; a class with several targets is named once."""
    per_class = Counter(t.partition(".")[0] for t in exercise.targets if "." in t)
    names = [t.partition(".")[0] if per_class[t.partition(".")[0]] > 1 else t for t in exercise.targets]
    return ", ".join(dict.fromkeys(names))


@dataclass
class Progress:
    """What one exercise's tests did in this run."""

    passed: int = 0
    failed: int = 0
    not_started: int = 0
    waiting_for: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.not_started


class Tutor:
    """Rewrites not-started failures and prints the progress table."""

    def __init__(self, impl: str) -> None:
        self.impl = impl
        self.progress: dict[str, Progress] = defaultdict(Progress)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        exercise = exercise_of(item)
        if exercise is None:
            return report
        report.exercise_key = exercise.key
        error = call.excinfo
        if report.failed and error is not None and error.errisinstance(NotImplementedError):
            match = NOT_STARTED.match(str(error.value))
            if match:
                label, function = match.group(1), match.group(2)
                report.not_started = label
                if label == exercise.label:
                    report.longrepr = f"{label} not started: write {function} in exercises/{exercise.module}.py"
                else:
                    report.longrepr = f"{exercise.label} uses {function}, which is {label}: finish that first"
        return report

    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config):
        if getattr(report, "not_started", None):
            return "not started", "n", ("NOT STARTED", {"yellow": True})
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        key = getattr(report, "exercise_key", None)
        if key is None or not (report.when == "call" or report.failed or report.skipped):
            return
        progress = self.progress[key]
        if report.passed:
            progress.passed += 1
        elif getattr(report, "not_started", None):
            progress.not_started += 1
            if report.not_started != next(e.label for e in EXERCISES if e.key == key):
                progress.waiting_for.add(report.not_started)
        elif report.failed:
            progress.failed += 1

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int, config: pytest.Config) -> None:
        if not self.progress:
            return
        write = terminalreporter.write_line
        terminalreporter.write_sep("=", f"exercises ({self.impl})")
        write(f"  {'#':>5}  {'exercise':<33} {'tests':<6} {'points':<7} {'run its tests':<31} status")
        shown = [e for e in EXERCISES if e.key in self.progress]
        for exercise in shown:
            write(self._line(exercise, self.progress[exercise.key]))
        if all(p.total == p.passed for p in self.progress.values()) and len(shown) == len(EXERCISES):
            write("  Every exercise passes. Train the model you built: python -m solutions.train --impl exercises")
        elif any(p.passed for p in self.progress.values()):
            write("  points: estimated from these tests; your grade comes from the instructor's tests.")

    @staticmethod
    def _line(exercise: Exercise, progress: Progress) -> str:
        points = round(exercise.points * progress.passed / progress.total) if progress.total else 0
        if progress.passed == progress.total:
            status = "done"
        elif progress.not_started == progress.total and not progress.waiting_for:
            status = f"not started: {what_to_write(exercise)} in {exercise.module}.py"
        elif progress.waiting_for:
            status = f"finish {', '.join(sorted(progress.waiting_for))} first"
        else:
            status = ", ".join(part for part in (
                f"{progress.failed} failing" if progress.failed else "",
                f"{progress.not_started} not started" if progress.not_started else "",
            ) if part)
        command = "" if status == "done" else exercise.command
        number = str(exercise.number)
        return (
            f"  {number:>5}  {exercise.title:<33} {progress.passed:>2}/{progress.total:<3} "
            f"{points:>2}/{exercise.points:<3}  {command:<31} {status}"
        ).rstrip()
