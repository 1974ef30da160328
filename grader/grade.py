"""Grade one submission against the reference.

Every hidden check (``grader/checks/``) is a probe. The ``Grader`` runs each
probe once on the reference, here, and on a learner's code in a sandboxed
child process (``sandbox.py``, ``jail.py``); only the results cross over,
and the comparison happens here. A failed check gets its hint and, when the
learner's results match a catalogued bug's (``mutants.toml``), that bug.
``classroom.py`` grades a whole class; ``report.py`` writes the files.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exercises.catalogue import EXERCISES, STUB_MESSAGE, exercise_modules
from exercises.comparison import compare
from exercises.diagnosis import Diagnosis, diagnose, reference_lines

from . import standins, submission
from .checks import Check, Impl, all_checks, run_probe, standin_namespace
from .jail import Jail
from .mutants import SOLUTIONS, Mutant, in_memory, load_mutants, sources
from .roots import Root, search
from .sandbox import Code, Limits, Outcome, SandboxRun, Task

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXERCISE_BY_KEY = {e.key: e for e in EXERCISES}
MAX_SCORE = sum(e.points for e in EXERCISES if e.number != "bonus")
BONUS = next(e.key for e in EXERCISES if e.number == "bonus")

__all__ = ["Grader", "Limits", "Outcome", "Report", "CheckResult", "MAX_SCORE", "load_points", "grader_version"]


@dataclass
class CheckResult:
    exercise: str
    test: str
    points: int
    max_points: int
    passed: bool
    message: str


@dataclass
class Report:
    """The grade of one submission."""

    submission: str
    results: list[CheckResult]
    output: str = ""
    problem: str | None = None
    fingerprint: str | None = None
    version: str | None = None
    diagnoses: list[Diagnosis] = field(default_factory=list)
    roots: list[Root] = field(default_factory=list)
    by_exercise: dict[str, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key in EXERCISE_BY_KEY:
            mine = [r for r in self.results if r.exercise == key]
            self.by_exercise[key] = (sum(r.points for r in mine), sum(r.max_points for r in mine))

    @property
    def score(self) -> int:
        """Points of Exercises 1-7, out of ``MAX_SCORE``; the bonus is extra and counted apart."""
        return sum(got for key, (got, _) in self.by_exercise.items() if key != BONUS)

    @property
    def bonus(self) -> int:
        """Points of the bonus exercise, on top of ``score``."""
        return self.by_exercise[BONUS][0]


def _not_started(value: Any) -> str | None:
    """"not started" when a probe hit a stub's NotImplementedError("Exercise N (name): ..."), at any depth."""
    if isinstance(value, dict) and "raised" in value:
        # A stub's message, or nbgrader's bare stub in a notebook: a NotImplementedError of the learner's own
        # with a message of theirs (a pool they do not support) is their answer to the check, graded as one.
        if value["raised"][0] == "NotImplementedError" and (STUB_MESSAGE.match(value["message"]) or not value["message"].strip()):
            return f"not started: {value['message'].partition(':')[0]} still raises NotImplementedError"
        return None
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    return next((found for found in map(_not_started, items) if found), None)


def load_points(checks: Sequence[Check], path: Path = HERE / "points.toml") -> dict[str, int]:
    """Points per check id from ``points.toml``.

    Raises:
        ValueError: if the file and the checks disagree, or an exercise's total is not its catalogue points.
    """
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    points = {f"{exercise}.{name}": value for exercise, names in table.items() for name, value in names.items()}
    declared, defined = set(points), {c.id for c in checks}
    if declared != defined:
        raise ValueError(f"points.toml and the checks disagree: no points for {sorted(defined - declared)}, points for unknown {sorted(declared - defined)}")
    for key, exercise in EXERCISE_BY_KEY.items():
        total = sum(v for k, v in points.items() if k.startswith(key + "."))
        if total != exercise.points:
            raise ValueError(f"the checks of {key} add up to {total} points, the catalogue says {exercise.points}")
    return points


LONG_NUMBER = re.compile(r"-?\d+\.\d{5,}(?:e[-+]?\d+)?")


def tidy(text: str) -> str:
    """A problem as one short line: no line breaks or tabs, numbers to 4 significant digits, at most 400 characters."""
    text = LONG_NUMBER.sub(lambda m: f"{float(m.group()):.4g}", " ".join(text.split()))
    return text if len(text) <= 400 else text[:397] + "..."


def grader_version() -> str:
    """A hash of everything that decides a grade: the grader's code and tables, the reference, the catalogue."""
    digest = hashlib.sha256()
    files = [*sorted(HERE.rglob("*.py")), *sorted(HERE.glob("*.toml")), *sorted((ROOT / "solutions").glob("*.py")), ROOT / "exercises" / "catalogue.py"]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


class Grader:
    """Reference results, points and the bug catalogue, computed once for a whole class.

    ``sandbox=False`` runs submissions without the jail: for trusted code only.

    Raises:
        SandboxUnavailable: if ``sandbox`` is asked for and bubblewrap cannot make one here.
    """

    def __init__(self, limits: Limits = Limits(), sandbox: bool = True) -> None:
        self.limits = limits
        self.jail = Jail(ROOT, disk_mb=limits.disk_mb) if sandbox else None
        if self.jail is not None:
            self.jail.check()
        self.checks = all_checks()
        self.points = load_points(self.checks)
        self._namespaces: dict[standins.Setting, dict[str, Any]] = {}
        self._lock = threading.RLock()  # probe() takes it, also inside _results_of()
        self.expected = self.outcomes_in_process(Impl("solutions"), raw=True)
        broken = [c.id for c in self.checks if isinstance(self.expected[c.id], dict) and "raised" in self.expected[c.id]]
        if broken:
            raise RuntimeError(f"checks that fail on the reference itself: {broken}")
        self.mutants = load_mutants()
        # A learner's exception on a line the reference has too is not where their mistake is.
        self.reference_lines = reference_lines({f"{m}.py": (SOLUTIONS / f"{m}.py").read_text(encoding="utf-8") for m in exercise_modules()})
        self._mutant_results: dict[str, dict[str, Any]] = {}
        self.version = grader_version()

    # --- running the probes ---------------------------------------------------------

    def probe(self, check: Check, impl: Impl, setting: standins.Setting | None = None) -> Any:
        """One probe on trusted code in this process, with the exercise's stand-ins (or those of ``setting``)."""
        setting = setting or standins.setting(check.exercise)
        with self._lock:
            if setting not in self._namespaces:
                self._namespaces[setting] = standin_namespace(setting.sources())
        return run_probe(check, impl, setting.patch_map(), self._namespaces[setting])

    def outcomes_in_process(self, impl: Impl, raw: bool = False) -> dict:
        """Run every probe here, without a sandbox: for trusted code (the reference, tests, the catalogue)."""
        values = {c.id: self.probe(c, impl) for c in self.checks}
        return values if raw else {key: Outcome(value) for key, value in values.items()}

    def outcomes_in_sandbox(self, code: Code) -> tuple[dict[str, Outcome], str]:
        """Run every probe on the learner's ``code`` in sandboxed child processes."""
        return self._sandboxed([Task.grading(c) for c in self.checks], code)

    def _sandboxed(self, tasks: list[Task], code: Code) -> tuple[dict[str, Outcome], str]:
        return SandboxRun(tasks, code, exercise_modules(), self.limits, self.jail).run()

    def in_process(self, impl: Impl) -> Callable[[list[Task]], dict[str, Outcome]]:
        """Runs tasks on trusted code here (for ``report``'s re-runs)."""
        return lambda tasks: {t.key: Outcome(self.probe(t.check, impl, t.setting)) for t in tasks}

    def in_sandbox(self, code: Code) -> Callable[[list[Task]], dict[str, Outcome]]:
        """Runs tasks on the learner's ``code`` in a sandbox of their own; what they print is dropped."""
        return lambda tasks: self._sandboxed(tasks, code)[0]

    # --- scoring ----------------------------------------------------------------------

    def score(self, outcomes: dict[str, Outcome], only: str | None = None) -> list[CheckResult]:
        """Compare each outcome with the reference; a failed check gets its hint and what happened.

        ``only`` limits the scoring to one exercise's checks.
        """
        results = []
        for check in self.checks:
            if only is not None and check.exercise != only:
                continue
            outcome = outcomes[check.id]
            problem = outcome.failure or _not_started(outcome.value) or compare(self.expected[check.id], outcome.value, check)
            points = self.points[check.id]
            message = "passed" if problem is None else f"{check.hint}. What happened: {tidy(problem)}"
            results.append(CheckResult(check.exercise, check.name, 0 if problem else points, points, problem is None, message))
        return results

    def diagnose(self, outcomes: dict[str, Outcome], results: list[CheckResult]) -> list[Diagnosis]:
        """The likely causes of each exercise's failures (see ``diagnosis.py``); none for an exercise not started."""
        learner = {key: o.value for key, o in outcomes.items() if o.failure is None}
        found = []
        for exercise in dict.fromkeys(r.exercise for r in results):
            failed = [r for r in results if r.exercise == exercise and not r.passed]
            if not failed or all("not started:" in r.message for r in failed):
                continue
            hypotheses = [(m.id, m.hint, self._results_of(m)) for m in self.mutants if m.exercise == exercise]
            try:
                found += diagnose(exercise, self.checks, self.expected, learner, hypotheses, self.reference_lines)
            except Exception:  # a fault of the diagnosis must not cost the learner their grade: no cause, and a log line
                logging.getLogger(__name__).exception("the diagnosis of %s failed; the exercise is graded without a cause", exercise)
        return found

    def report(self, name: str, outcomes: dict[str, Outcome], rerun: Callable[[list[Task]], dict[str, Outcome]] | None = None,
               **fields: Any) -> Report:
        """The report of one submission: its results, their likely causes and, when ``rerun`` can run tasks, their roots."""
        results = self.score(outcomes)
        failed = {f"{r.exercise}.{r.test}" for r in results if not r.passed and "not started:" not in r.message}
        found = search(self.checks, failed, rerun, self.expected) if rerun is not None else []
        return Report(name, results, diagnoses=self.diagnose(outcomes, results), roots=found, version=self.version, **fields)

    def _results_of(self, mutant: Mutant) -> dict[str, Any]:
        with self._lock:
            if mutant.id not in self._mutant_results:
                impl = Impl(in_memory(sources(mutant)))
                self._mutant_results[mutant.id] = {c.id: self.probe(c, impl) for c in self.checks if c.exercise == mutant.exercise}
            return self._mutant_results[mutant.id]

    # --- whole submissions --------------------------------------------------------------

    def grade(self, path: Path, name: str, workdir: Path) -> Report:
        """Grade one folder or zip, with ``workdir`` (empty, the grader's) for its copy; never raises."""
        try:
            package = submission.read(path)
        except submission.SubmissionError as error:
            return self.refused(name, str(error))
        return self.grade_package(package, name, workdir)

    def grade_package(self, package: submission.Package, name: str, workdir: Path) -> Report:
        """Grade files already read and checked (``submission.read``), with ``workdir`` (empty, the grader's) for their copy."""
        folder = package.write(workdir / "submission")
        code = Code(folder=folder)
        outcomes, output = self.outcomes_in_sandbox(code)
        return self.report(name, outcomes, self.in_sandbox(code), output=output, fingerprint=package.fingerprint)

    def refused(self, name: str, problem: str) -> Report:
        """The report of a submission that could not be graded at all: every check failed with ``problem``."""
        outcomes = {c.id: Outcome(failure=problem) for c in self.checks}
        return Report(name, self.score(outcomes), problem=problem, version=self.version)
