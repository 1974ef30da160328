"""Grade submissions against the reference.

    python -m grader grade SUB [SUB ...] --out DIR [--jobs N]

A submission is a folder or a ``.zip`` that holds an ``exercises/`` package
(the learner's copy). Each one is graded in its own sandboxed process (see
``sandbox.py``) with a time limit per check, per import and per submission,
and a memory limit; a check that hangs or crashes the process costs that
check only, and the process is restarted for the rest. The parent compares
every result with the reference's and writes:

- ``DIR/grades.csv``: submission, score, max_score, then one column per exercise
  (``score`` counts Exercises 1-7, out of 100; the bonus has its own column, extra);
- ``DIR/<submission>/results.json``: per check: exercise, test, points, max_points, passed, message;
- ``DIR/<submission>/feedback.md``: per exercise, the score and a hint for each failed check.
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import zipfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from exercises.catalogue import EXERCISES, exercise_modules

from .checks import Check, Impl, all_checks, compare, run_probe
from .mutants import Mutant, load_mutants, write_package

HERE = Path(__file__).resolve().parent
SANDBOX = HERE / "sandbox.py"
EXERCISE_BY_KEY = {e.key: e for e in EXERCISES}
MAX_SCORE = sum(e.points for e in EXERCISES if e.number != "bonus")
BONUS = next(e.key for e in EXERCISES if e.number == "bonus")


class SubmissionError(Exception):
    """A submission that cannot be graded at all (no exercises/ package, a broken zip)."""


@dataclass(frozen=True)
class Limits:
    """How much a submission may take. Every probe needs well under a second.

    A check that hangs or crashes costs a restart of the sandbox (about 2 s):
    ``submission_seconds`` bounds the total.
    """

    check_seconds: float = 10.0
    import_seconds: float = 20.0
    submission_seconds: float = 180.0
    memory_mb: int = 2048
    output_bytes: int = 20_000
    zip_bytes: int = 20_000_000


@dataclass
class Outcome:
    """What one check of one submission produced: the probe's result, or why there is none."""

    value: Any = None
    failure: str | None = None


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
        if value["raised"][0] == "NotImplementedError":
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


class Grader:
    """Reference results, points and the bug catalogue, computed once for a whole class."""

    def __init__(self, limits: Limits = Limits()) -> None:
        self.limits = limits
        self.checks = all_checks()
        self.points = load_points(self.checks)
        reference = Impl("solutions")
        self.expected = {c.id: run_probe(c, reference) for c in self.checks}
        broken = [c.id for c in self.checks if isinstance(self.expected[c.id], dict) and "raised" in self.expected[c.id]]
        if broken:
            raise RuntimeError(f"checks that fail on the reference itself: {broken}")
        self.mutants = load_mutants()
        self._mutant_results: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._mutant_tmp: tempfile.TemporaryDirectory | None = None  # removed with the grader

    # --- running the probes ---------------------------------------------------------

    def outcomes_in_process(self, impl: Impl) -> dict[str, Outcome]:
        """Run every probe here, without a sandbox: for trusted code (tests, notebooks, mutants)."""
        return {c.id: Outcome(run_probe(c, impl)) for c in self.checks}

    def outcomes_in_sandbox(self, package_root: Path, workdir: Path) -> tuple[dict[str, Outcome], str]:
        """Run every probe on ``package_root/exercises`` in sandboxed child processes."""
        return _SandboxRun(self.checks, package_root, workdir, self.limits).run()

    # --- scoring ----------------------------------------------------------------------

    def score(self, outcomes: dict[str, Outcome], only: str | None = None) -> list[CheckResult]:
        """Compare each outcome with the reference; failed checks get their hint and a diagnosis.

        ``only`` limits the scoring to one exercise's checks.
        """
        results = []
        for check in self.checks:
            if only is not None and check.exercise != only:
                continue
            outcome = outcomes[check.id]
            problem = outcome.failure or _not_started(outcome.value) or compare(self.expected[check.id], outcome.value, check)
            points = self.points[check.id]
            message = "passed" if problem is None else f"{check.hint}. What happened: {problem}"
            results.append(CheckResult(check.exercise, check.name, 0 if problem else points, points, problem is None, message))
        for exercise in {r.exercise for r in results}:
            failed = [r for r in results if r.exercise == exercise and not r.passed]
            if failed:
                for hint in self.diagnose(exercise, {f"{exercise}.{r.test}": outcomes[f"{exercise}.{r.test}"] for r in failed}):
                    failed[0].message += f" Likely cause: {hint}."
        return results

    def diagnose(self, exercise: str, failed: dict[str, Outcome]) -> list[str]:
        """The hints of the catalogued bugs whose results match the learner's on every failed check."""
        hints = []
        for mutant in self.mutants:
            if mutant.exercise != exercise:
                continue
            produced = self._results_of(mutant)
            if all(o.failure is None and compare(produced[check_id], o.value, self._check(check_id), equal_nan=True) is None for check_id, o in failed.items()):
                hints.append(mutant.hint)
        return hints

    def _check(self, check_id: str) -> Check:
        return next(c for c in self.checks if c.id == check_id)

    def _results_of(self, mutant: Mutant) -> dict[str, Any]:
        with self._lock:
            if mutant.id not in self._mutant_results:
                if self._mutant_tmp is None:
                    self._mutant_tmp = tempfile.TemporaryDirectory(prefix="grader-mutants-")
                    sys.path.insert(0, self._mutant_tmp.name)
                mutant_dir = Path(self._mutant_tmp.name)
                # Named after its own source: two graders in one process never share a stale module.
                package = "_grader_mutant_" + hashlib.sha1(mutant.source().encode()).hexdigest()[:16]
                if not (mutant_dir / package).exists():
                    write_package(mutant_dir / package, mutant)
                importlib.invalidate_caches()
                impl = Impl(package)
                self._mutant_results[mutant.id] = {c.id: run_probe(c, impl) for c in self.checks if c.exercise == mutant.exercise}
            return self._mutant_results[mutant.id]

    # --- whole submissions --------------------------------------------------------------

    def grade(self, submission: Path, name: str) -> Report:
        """Grade one folder or zip; never raises for a broken submission."""
        with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
            workdir = Path(tmp)
            try:
                package_root = unpack(submission, workdir / "submission", self.limits)
            except SubmissionError as error:
                outcomes = {c.id: Outcome(failure=str(error)) for c in self.checks}
                return Report(name, self.score(outcomes), problem=str(error))
            outcomes, output = self.outcomes_in_sandbox(package_root, workdir)
        return Report(name, self.score(outcomes), output=output)


# --- submissions on disk ----------------------------------------------------------------------


def unpack(submission: Path, target: Path, limits: Limits = Limits()) -> Path:
    """Copy the learner's ``exercises/*.py`` into ``target/exercises``; return ``target``.

    Raises:
        SubmissionError: for a missing path, a broken or oversized zip, or no ``exercises/`` package.
    """
    files: dict[str, bytes] = {}
    if submission.is_dir():
        package = _find_package(p.relative_to(submission) for p in _shallow_python_files(submission))
        if package is not None:
            for path in sorted((submission / package).glob("*.py")):
                if path.is_symlink():
                    raise SubmissionError(f"{path.relative_to(submission)} is a symbolic link; submit the file itself")
                files[path.name] = path.read_bytes()
    elif submission.is_file() and zipfile.is_zipfile(submission):
        with zipfile.ZipFile(submission) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if sum(m.file_size for m in members) > limits.zip_bytes:
                raise SubmissionError(f"{submission.name} unpacks to more than {limits.zip_bytes // 1_000_000} MB")
            package = _find_package(Path(m.filename) for m in members if m.filename.endswith(".py"))
            for member in members:
                path = Path(member.filename)
                if package is not None and path.parent == Path(package) and path.suffix == ".py":
                    files[path.name] = archive.read(member)
    elif submission.exists():
        raise SubmissionError(f"{submission.name} is neither a folder nor a .zip file")
    else:
        raise SubmissionError(f"{submission} does not exist")
    if not files:
        raise SubmissionError(f"no exercises/ package with Python files in {submission.name}")
    package_dir = target / "exercises"
    package_dir.mkdir(parents=True)
    for name, content in files.items():
        (package_dir / name).write_bytes(content)
    (package_dir / "__init__.py").touch()
    return target


def _shallow_python_files(folder: Path) -> list[Path]:
    """Python files in exercises/ folders at most three levels down (never a whole virtualenv)."""
    return [p for pattern in ("exercises/*.py", "*/exercises/*.py", "*/*/exercises/*.py", "*/*/*/exercises/*.py") for p in folder.glob(pattern)]


def _find_package(python_files: Iterable[Path]) -> str | None:
    """The shallowest folder named ``exercises`` among the paths (relative to the submission)."""
    found = sorted({str(p.parent) for p in python_files if p.parent.name == "exercises" and ".." not in p.parts and not p.is_absolute()}, key=lambda s: (s.count("/"), s))
    return next((f for f in found if f.count("/") <= 3), None)


# --- the sandboxed child processes --------------------------------------------------------------


class _SandboxRun:
    """Runs the probes in ``sandbox.py`` children, restarting after a hang or a crash."""

    def __init__(self, checks: list[Check], package_root: Path, workdir: Path, limits: Limits) -> None:
        self.checks, self.limits = checks, limits
        self.package_root, self.workdir = package_root, workdir
        self.out = workdir / "out"
        self.out.mkdir()
        self.outcomes: dict[str, Outcome] = {}
        self.broken: dict[str, str] = {}
        self.output = bytearray()
        self.fatal: str | None = None

    def run(self) -> tuple[dict[str, Outcome], str]:
        deadline = time.monotonic() + self.limits.submission_seconds
        while not self.fatal and time.monotonic() < deadline:
            remaining = [i for i, c in enumerate(self.checks) if c.id not in self.outcomes]
            if not remaining:
                break
            progress = (len(self.outcomes), len(self.broken))
            self._child(remaining, deadline)
            if (len(self.outcomes), len(self.broken)) == progress and not self.fatal and time.monotonic() < deadline:
                self.fatal = "the grading process stopped without finishing a check"
        reason = f"not run: {self.fatal}" if self.fatal else "not run: the submission used up its time limit"
        for check in self.checks:
            self.outcomes.setdefault(check.id, Outcome(failure=reason))
        return self.outcomes, self.output.decode("utf-8", "replace")

    def _child(self, remaining: list[int], deadline: float) -> None:
        job = self.workdir / "job.json"
        job.write_text(json.dumps({
            "checks": [self.checks[i].id for i in remaining], "indices": remaining,
            "submission": str(self.package_root), "workdir": str(self.workdir), "out": str(self.out),
            "modules": exercise_modules(), "broken": self.broken,
            "limits": {"memory_mb": self.limits.memory_mb, "cpu_seconds": int(self.limits.submission_seconds) + 30, "file_mb": 50},
        }))
        read_end, write_end = os.pipe()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.workdir), "TMPDIR": str(self.workdir),
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "LANG": "C.UTF-8"}
        process = subprocess.Popen(
            [sys.executable, "-I", str(SANDBOX), str(job), str(write_end)],
            pass_fds=(write_end,), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            cwd=self.workdir, env=env, start_new_session=True,
        )
        os.close(write_end)
        drain = threading.Thread(target=self._drain, args=(process.stdout,), daemon=True)
        drain.start()
        phase, started, buffer = None, time.monotonic(), b""
        try:
            while True:
                limit = self.limits.import_seconds if phase and phase[0] == "import" else self.limits.check_seconds
                wait = min(deadline, started + limit) - time.monotonic() if phase else deadline - time.monotonic()
                ready, _, _ = select.select([read_end], [], [], max(wait, 0))
                if not ready:
                    self._timed_out(phase, limit)
                    return
                chunk = os.read(read_end, 4096)
                if not chunk:
                    self._died(phase, process)
                    return
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    word, _, argument = line.decode("ascii", "replace").partition(" ")
                    if word in ("import", "start"):
                        phase, started = (word, argument), time.monotonic()
                    elif word == "imported":
                        phase = None
                    elif word == "done":
                        self._collect(int(argument))
                        phase = None
                    elif word == "finished":
                        return
        finally:
            os.close(read_end)
            _kill(process)
            drain.join(timeout=5)

    def _drain(self, stream) -> None:
        """Keep the start of what the learner's code printed; read and drop the rest so it never blocks."""
        for chunk in iter(lambda: stream.read(65536), b""):
            room = self.limits.output_bytes - len(self.output)
            if room > 0:
                self.output += chunk[:room]

    def _collect(self, index: int) -> None:
        path = self.out / f"{index}.pt"
        try:
            value = torch.load(path, weights_only=True)
            self.outcomes[self.checks[index].id] = Outcome(value)
        except Exception as error:  # a file the learner's code damaged, or a result too odd to load
            self.outcomes[self.checks[index].id] = Outcome(failure=f"its result could not be read ({type(error).__name__})")
        path.unlink(missing_ok=True)

    def _timed_out(self, phase: tuple[str, str] | None, limit: float) -> None:
        if phase and phase[0] == "import":
            self.broken[phase[1]] = f"importing exercises/{phase[1]}.py took more than {limit:g} s (an endless loop at import time?)"
        elif phase:
            self.outcomes[self.checks[int(phase[1])].id] = Outcome(failure=f"stopped after the time limit of {limit:g} s (an endless loop, or very slow code?)")

    def _died(self, phase: tuple[str, str] | None, process: subprocess.Popen) -> None:
        code = process.wait()
        how = f"killed by signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        if phase and phase[0] == "import":
            self.broken[phase[1]] = f"importing exercises/{phase[1]}.py ended the grading process ({how})"
        elif phase:
            self.outcomes[self.checks[int(phase[1])].id] = Outcome(failure=f"the grading process ended during this check ({how}; os._exit, a crash or too much memory?)")
        else:
            tail = self.output.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            self.fatal = f"the grading process stopped outside any check ({how}) {tail[0][:300]}".strip()


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()
    if process.stdout:
        process.stdout.close()


# --- the class: many submissions, the files for the instructor ---------------------------------


def submission_names(paths: Sequence[Path]) -> list[str]:
    """A unique folder name per submission: the folder name or the zip's stem, -2, -3 for repeats."""
    names, seen = [], {}
    for path in paths:
        resolved = path.resolve()
        base = (resolved.stem if resolved.suffix == ".zip" else resolved.name) or "submission"
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return names


def grade_class(submissions: Sequence[Path], out: Path, jobs: int = 1, limits: Limits = Limits(), progress: bool = True) -> list[Report]:
    """Grade every submission with ``jobs`` in parallel and write the instructor's files into ``out``."""
    grader = Grader(limits)
    out.mkdir(parents=True, exist_ok=True)
    names = submission_names(submissions)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool, tqdm(total=len(submissions), desc="grading", unit="submission", disable=not progress) as bar:
        futures = [pool.submit(_grade_and_write, grader, path, name, out) for path, name in zip(submissions, names)]
        reports = []
        for future in futures:
            reports.append(future.result())
            bar.update()
    write_grades(reports, out / "grades.csv")
    return reports


def _grade_and_write(grader: Grader, path: Path, name: str, out: Path) -> Report:
    report = grader.grade(path, name)
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results_json(report), indent=2) + "\n", encoding="utf-8")
    (folder / "feedback.md").write_text(feedback_markdown(report), encoding="utf-8")
    return report


def write_grades(reports: Sequence[Report], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", "score", "max_score", *EXERCISE_BY_KEY])
        for report in reports:
            writer.writerow([report.submission, report.score, MAX_SCORE, *(report.by_exercise[key][0] for key in EXERCISE_BY_KEY)])


def results_json(report: Report) -> dict:
    return {
        "submission": report.submission, "score": report.score, "max_score": MAX_SCORE, "bonus": report.bonus,
        "exercises": {key: {"points": got, "max_points": top} for key, (got, top) in report.by_exercise.items()},
        "problem": report.problem,
        "tests": [asdict(r) for r in report.results],
    }


def feedback_markdown(report: Report) -> str:
    bonus_max = EXERCISE_BY_KEY[BONUS].points
    lines = [f"# Feedback: {report.submission}", "", f"**Score: {report.score} / {MAX_SCORE}**, bonus {report.bonus} / {bonus_max}", ""]
    if report.problem:
        lines += [f"Your submission could not be graded: {report.problem}.", ""]
    for key, exercise in EXERCISE_BY_KEY.items():
        got, top = report.by_exercise[key]
        lines += [f"## {exercise.label}: {exercise.title} — {got} / {top}", ""]
        failed = [r for r in report.results if r.exercise == key and not r.passed]
        if not failed:
            lines += ["Every check passed.", ""]
            continue
        if got == 0 and all("not started:" in r.message for r in failed):
            lines += [f"Not started: {exercise.module}.py still raises NotImplementedError in {', '.join(exercise.targets)}.", ""]
            continue
        lines += [f"- ({r.max_points} pt) {r.message}" for r in failed] + [""]
    if report.output.strip():
        shown = report.output.strip().splitlines()[:20]
        lines += ["## What your code printed (first lines)", "", "```", *shown, "```", ""]
    return "\n".join(lines)
