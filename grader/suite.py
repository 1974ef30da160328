"""The hidden suites as pytest: ``pytest`` grades one submission, one test per hidden check.

    pytest -p grader.suite --submission SUB [--junitxml grades.xml]

SUB is a folder or a ``.zip`` holding an ``exercises/`` package, as for
``python -m grader grade``. The tests are the hidden checks, with ids such as
``vocab::tokenize_tricky_text``; nothing else is collected, wherever pytest
runs. The submission is graded once, in the same bubblewrap sandbox and with
the same messages as ``python -m grader grade``; each test then reports its
check's result, with the check's points and maximum as the test's
properties ``points`` and ``max_points`` (in ``--junitxml`` too). The run
ends with the score.

Without ``--submission`` the plugin adds the option and does nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("grader").addoption(
        "--submission", type=Path, metavar="SUB",
        help="grade this folder or .zip (holding an exercises/ package): one test per hidden check",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("submission") is not None:
        config.pluginmanager.register(Suite(config.getoption("submission")), "grader-suite")


class CheckFailed(Exception):
    """A hidden check that did not pass; its message is the grader's."""


class Suite:
    """The submission's grade, made once for the whole session, and the tests that report it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._report = None

    def report(self):
        """The grade of the submission, made on first use; a grader that cannot run here ends the session."""
        if self._report is None:
            from .classroom import grade_one, submission_names
            from .grade import Grader
            from .jail import SandboxUnavailable

            try:
                grader = Grader()
            except SandboxUnavailable as error:
                pytest.exit(f"cannot grade safely: {error}", returncode=pytest.ExitCode.USAGE_ERROR)
            self._report = grade_one(grader, self.path, submission_names([self.path])[0])
        return self._report

    @pytest.hookimpl(tryfirst=True)
    def pytest_make_collect_report(self, collector: pytest.Collector):
        # The session collects the hidden checks instead of the files under
        # the current folder: the ids stay `exercise::check` wherever the kit
        # is installed, and no test file of the instructor's folder runs.
        if not isinstance(collector, pytest.Session):
            return None
        from .checks import EXERCISE_ORDER

        exercises = [Exercise.from_parent(collector, name=key, nodeid=key, suite=self) for key in EXERCISE_ORDER]
        return pytest.CollectReport(collector.nodeid, "passed", None, exercises)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self._report is not None:
            from .grade import BONUS, EXERCISE_BY_KEY, MAX_SCORE

            report = self._report
            problem = f" ({report.problem})" if report.problem else ""
            terminalreporter.write_sep("=", f"{report.submission}: {report.score} / {MAX_SCORE}, bonus {report.bonus} / {EXERCISE_BY_KEY[BONUS].points}{problem}")


class Exercise(pytest.Collector):
    """One exercise's hidden checks."""

    def __init__(self, *, suite: Suite, **kwargs) -> None:
        super().__init__(**kwargs)
        self.suite = suite

    def collect(self) -> list[pytest.Item]:
        from .checks import all_checks

        return [HiddenCheck.from_parent(self, name=c.name, suite=self.suite) for c in all_checks() if c.exercise == self.name]


class HiddenCheck(pytest.Item):
    """One hidden check of the submission: passes or fails as its result in the grade."""

    def __init__(self, *, suite: Suite, **kwargs) -> None:
        super().__init__(**kwargs)
        self.suite = suite

    def runtest(self) -> None:
        from .report import cause_lines

        report = self.suite.report()
        result = next(r for r in report.results if r.exercise == self.parent.name and r.test == self.name)
        self.user_properties += [("points", result.points), ("max_points", result.max_points)]
        if not result.passed:
            # The exercise's likely cause first, as in feedback.md, then what this check found.
            raise CheckFailed("\n".join([*(line for line in cause_lines(report.diagnoses, result.exercise) if line), result.message]))

    def repr_failure(self, excinfo, style=None) -> str:
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.nodeid
