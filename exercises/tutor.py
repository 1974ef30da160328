"""A pytest plugin that reports the exercises like a tutor, not like a stack trace.

- ``--impl NAME`` picks the package the tests check: ``exercises`` (yours,
  the default) or ``solutions`` (the reference, where it is installed).
- A test that hits a stub's ``NotImplementedError("Exercise N (...): ...")``
  (or, in a notebook, nbgrader's bare ``raise NotImplementedError()`` in a
  function the catalogue names) is reported as *not started* (``n``), with a
  one-line reason instead of a traceback; it still counts as a failure for
  the exit code.
- The run ends with one line per exercise: tests passed, points, and what to
  do next, fitted to the terminal's width: where the rows have no room for
  each exercise's command and functions to write, a ``next:`` line gives
  them for the first unfinished exercise.
- Under the table, an exercise with failing tests gets its likely cause
  ("Likely cause: ..." or "Possibly: ..."), found by ``causes.py`` the way
  the grader finds it, unless an earlier exercise it uses is failing.

It is loaded for every run by ``addopts = "-p exercises.tutor"`` in the
project's pytest configuration.
"""

from __future__ import annotations

import shutil
import textwrap
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Sequence

import pytest

from . import causes
from .catalogue import EXERCISES, STUB_MESSAGE, Exercise, by_key



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
    if not any(isinstance(plugin, Tutor) for plugin in config.pluginmanager.get_plugins()):
        # A caller of pytest.main may bring its own (the notebook's check cells do, exercises/notebook.py).
        config.pluginmanager.register(Tutor(config.getoption("impl")), "exercises-tutor")


class LearnerCode(Protocol):
    """Where the learner's code lives: the files of a package (``PackageCode``) or a notebook's cells (``exercises/notebook.py``)."""

    def owns(self, path: str) -> bool: ...

    def locate(self, path: str, lineno: int) -> str: ...

    def home(self, exercise: Exercise) -> str: ...


@dataclass(frozen=True)
class PackageCode:
    """Where the learner's code lives on the file route: the modules of the package ``--impl`` names."""

    package: str

    def owns(self, path: str) -> bool:
        """True for a file of the package, never for one of its tests."""
        path = path.replace("\\", "/")
        return self.package.replace(".", "/") + "/" in path and "/tests/" not in path

    def locate(self, path: str, lineno: int) -> str:
        """Where a line is, as a learner finds it: ``attention.py:42``."""
        return f"{Path(path).name}:{lineno}"

    def home(self, exercise: Exercise) -> str:
        """Where the learner writes an exercise."""
        return f"exercises/{exercise.module}.py"


def crash_message(error: pytest.ExceptionInfo, code: LearnerCode) -> str | None:
    """An exception raised inside the learner's code, as one message: what, and where in their code.

    A raw torch traceback (a shape mismatch deep inside ``F.linear``) says little to a
    learner; the line of their own code that called it says where to look. None when the
    exception did not pass through the code under test (a test's own bug keeps its traceback).
    """
    ours = [entry for entry in error.traceback if code.owns(str(entry.path))]
    if not ours:
        return None
    where = ours[-1]
    text = " ".join(str(error.value).split())
    text = text if len(text) <= 300 else text[:297] + "..."
    try:
        statement = f": {str(where.statement).strip()}"
    except Exception:  # no source to show (code compiled from a string that linecache does not hold)
        statement = ""
    return f"your code raised {error.typename}: {text}\n  at {code.locate(str(where.path), where.lineno + 1)}, in {where.name}{statement}"


def not_started(error: pytest.ExceptionInfo, code: LearnerCode) -> tuple[str, str] | None:
    """``("Exercise 4", "attention_weights")`` when ``error`` is a stub's NotImplementedError, else None.

    A stub of ``exercises/`` names its exercise and function in the message. A
    notebook's stub is nbgrader's bare ``raise NotImplementedError()``: then the
    function that raised it, when it is one the catalogue says a learner writes,
    names them (``co_qualname``, Python 3.11+, tells ``Vocab.__getitem__`` from
    other ``__getitem__``s).
    """
    if not error.errisinstance(NotImplementedError):
        return None
    match = STUB_MESSAGE.match(str(error.value))
    if match:
        return match.group(1), match.group(2)
    last = error.traceback[-1] if error.traceback else None
    if last is None or not code.owns(str(last.path)):
        return None
    raw = last.frame.code.raw
    function = getattr(raw, "co_qualname", raw.co_name)
    exercise = next((e for e in EXERCISES if function in e.targets), None)
    return (exercise.label, function) if exercise else None


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
    blocked_by: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.not_started


class Tutor:
    """Rewrites not-started failures and prints the progress table."""

    def __init__(self, impl: str, code: LearnerCode | None = None) -> None:
        self.impl = impl
        self.code = code or PackageCode(impl)
        self.progress: dict[str, Progress] = defaultdict(Progress)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        exercise = exercise_of(item)
        if exercise is None:
            return report
        report.exercise_key = exercise.key
        error = call.excinfo
        if not report.failed or error is None:
            return report
        stub = not_started(error, self.code)
        if stub:
            label, function = stub
            report.not_started = label
            if label == exercise.label:
                report.longrepr = f"{label} not started: write {function} in {self.code.home(exercise)}"
            else:
                report.longrepr = f"{exercise.label} uses {function}, which is {label}: finish that first"
        elif not error.errisinstance((AssertionError, pytest.fail.Exception, pytest.skip.Exception)):
            report.longrepr = crash_message(error, self.code) or report.longrepr
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
        terminalreporter.write_sep("=", run_name(self.impl))
        width = terminal_width(terminalreporter)
        for line in [*self.table(width), *self.cause_lines(width)]:
            terminalreporter.write_line(line)

    def shown(self) -> list[tuple[Exercise, Progress]]:
        """The exercises this run tested, in course order, each with its ``blocked_by`` worked out."""
        shown = [(e, self.progress[e.key]) for e in EXERCISES if e.key in self.progress]
        for exercise, progress in shown:  # in course order, so an earlier exercise's blockers are known
            # A failing test may fail because of an earlier exercise this one uses: the root of the chain comes first.
            failing = [(e, p) for e, p in shown if e.key in exercise.uses and p.failed] if progress.failed else []
            progress.blocked_by = set().union(*(p.blocked_by or {e.label} for e, p in failing))
        return shown

    def table(self, width: int) -> list[str]:
        """The progress table and its closing lines, fitted to ``width`` columns."""
        shown = self.shown()
        lines, short = fit_table(shown, width)
        unfinished = [(e, p) for e, p in shown if p.passed < p.total]
        if short and unfinished:
            lines += wrap(next_step(*unfinished[0]), width, "  ", "        ", keep=(unfinished[0][0].command,))
        if not unfinished and len(shown) == len(EXERCISES):
            lines += wrap(f"Every exercise passes. Train the model you built: {TRAIN}", width, "  ", "    ", keep=(TRAIN,))
        elif any(p.passed for _, p in shown):
            lines += wrap(
                "points: estimated from these tests; the instructor's tests give your grade.", width, "  ", "  "
            )
        return lines

    def cause_lines(self, width: int) -> list[str]:
        """"Exercise 4. Likely cause: ..." for each exercise with failing tests of its own, wrapped to ``width``.

        Call it after ``table``, which works out the exercises that wait for
        an earlier one: those get no cause, the table says what to fix first.
        """
        failing = [e for e in EXERCISES if e.key in self.progress and self.progress[e.key].failed
                   and not self.progress[e.key].blocked_by and not self.progress[e.key].waiting_for]
        if not failing:
            return []  # nothing to diagnose: not even the shipped results are loaded
        lines = []
        for found in causes.find(failing, self.impl):
            kind = "Likely cause" if found.certain else "Possibly"
            lines += wrap(f"{by_key(found.exercise).label}. {kind}: {found.message}", width, "  ", "    ")
        return lines


# The closing line's command, once every exercise passes: it trains the learner's own classes
# (exercises/train.py is the reference's training loop, copied as it is) on the sample in data/,
# which the release and the project's checkout both have, from the folder where pytest runs.
TRAIN = "python -m exercises.train --data-dir data/sample --preset sample"
# The narrowest the status column gets: on a terminal narrower than the other columns and
# this, lines run past its edge rather than into a column of one word per line.
MIN_STATUS_WIDTH = 12
# textwrap breaks lines at ASCII whitespace only, so a no-break space keeps a command on one line.
NO_BREAK = "\u00a0"


def run_name(impl: str) -> str:
    """The table's title: whose code this run checked."""
    return {"exercises": "your exercises", "solutions": "the reference (solutions)"}.get(impl, f"the package {impl}")


def terminal_width(terminalreporter) -> int:
    """The width pytest writes to (it honours $COLUMNS); the terminal's own when pytest's writer is not there."""
    writer = getattr(terminalreporter, "_tw", None)
    return writer.fullwidth if writer is not None else shutil.get_terminal_size().columns


def status(exercise: Exercise, progress: Progress, short: bool = False) -> str:
    """``done``, ``not started: WHAT in FILE`` (``not started`` when short), ``finish Exercise 4 first``, or the counts."""
    if progress.passed == progress.total:
        return "done"
    if progress.not_started == progress.total and not progress.waiting_for:
        return "not started" if short else f"not started: {what_to_write(exercise)} in {exercise.module}.py"
    if progress.waiting_for:
        return f"finish {', '.join(sorted(progress.waiting_for))} first"
    if progress.blocked_by:
        blocked = sorted(progress.blocked_by)
        return f"{blocked[0]} is failing: fix it first" if len(blocked) == 1 else f"{', '.join(blocked)} are failing: fix them first"
    return ", ".join(part for part in (
        f"{progress.failed} failing" if progress.failed else "",
        f"{progress.not_started} not started" if progress.not_started else "",
    ) if part)


def next_step(exercise: Exercise, progress: Progress) -> str:
    """The line under a narrow table: the first unfinished exercise in full, with the command for its tests."""
    if progress.not_started == progress.total and not progress.waiting_for:
        return (
            f"next: {exercise.label}, write {what_to_write(exercise)} in exercises/{exercise.module}.py; "
            f"check it with {exercise.command}"
        )
    return f"next: {exercise.label}, {status(exercise, progress)}; see why with {exercise.command}"


@dataclass(frozen=True)
class Column:
    """One column of the table: its header, one cell per exercise, and the spaces before it."""

    header: str
    cells: list[str]
    gap: int = 2


def layouts(shown: list[tuple[Exercise, Progress]]):
    """The table's layouts, widest first, each with whether its statuses are short (then a ``next:`` line says the rest)."""
    def points(exercise: Exercise, progress: Progress) -> int:
        # Failures an earlier exercise may cause are not counted against this one.
        counted = progress.total - (progress.failed if progress.blocked_by else 0)
        return round(exercise.points * progress.passed / counted) if counted else 0

    base = [
        Column("#".rjust(5), [str(e.number).rjust(5) for e, _ in shown], gap=0),
        Column("exercise", [e.title for e, _ in shown]),
        Column("tests", [f"{p.passed:>2}/{p.total:<2}" for _, p in shown], gap=1),
        Column("points", [f"{points(e, p):>2}/{e.points:<2}" for e, p in shown]),
    ]
    commands = Column("run its tests", ["" if p.passed == p.total else e.command for e, p in shown])
    with_commands = [*base, commands] if any(commands.cells) else base  # all done: nothing left to run
    yield [*with_commands, Column("status", [status(e, p) for e, p in shown])], False
    yield [*with_commands, Column("status", [status(e, p, short=True) for e, p in shown])], True
    yield [*base, Column("status", [status(e, p, short=True) for e, p in shown])], True


def fit_table(shown: list[tuple[Exercise, Progress]], width: int) -> tuple[list[str], bool]:
    """The widest layout whose lines fit in ``width``, or the narrowest one with its last column wrapped."""
    for columns, short in layouts(shown):
        lines = render(columns, width=None)
        if max(map(len, lines)) <= width:
            return lines, short
    return render(columns, width), short


def render(columns: list[Column], width: int | None) -> list[str]:
    """Header and rows; with a ``width``, the last column wraps onto lines of its own below its cell."""
    *fixed, last = columns
    widths = [max(len(cell) for cell in (c.header, *c.cells)) for c in fixed]
    indent = 2 + sum(c.gap + w for c, w in zip(fixed, widths)) + last.gap
    room = max(width - indent, MIN_STATUS_WIDTH) if width else None
    lines = []
    for row in zip(*([c.header, *c.cells] for c in columns)):
        start = "  " + "".join(" " * c.gap + cell.ljust(w) for c, w, cell in zip(fixed, widths, row))
        parts = wrap(row[-1], room, keep=row[-1].split(", ")) if room and row[-1] else [row[-1]]
        lines.append((start + " " * last.gap + parts[0]).rstrip())
        lines += [" " * indent + part for part in parts[1:]]
    return lines


def wrap(text: str, width: int, first: str = "", then: str = "", keep: Sequence[str] = ()) -> list[str]:
    """``text`` wrapped to ``width`` after the indents ``first`` and ``then``, never breaking inside the strings in ``keep``."""
    for whole in keep:
        text = text.replace(whole, whole.replace(" ", NO_BREAK))
    lines = textwrap.wrap(
        text, width, initial_indent=first, subsequent_indent=then, break_long_words=False, break_on_hyphens=False
    )
    return [line.replace(NO_BREAK, " ") for line in lines]
