"""Grade a class: many submissions in parallel, every finished grade kept at once.

    python -m grader grade SUB [SUB ...] --out DIR [--jobs N] [--force]

Each submission's ``results.json`` and ``feedback.md`` are written as soon as
it is graded, and ``grades.csv`` is rewritten (atomically) after each one, so
an interrupted run keeps every finished grade. Running the same command again
resumes: a submission whose ``results.json`` was made from the same files by
the same grader version is not graded again, unless ``force``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from . import submission
from .grade import Grader, Report
from .report import load_report, write_grades, write_submission


RESERVED = ("grades.csv", "report.html")  # files of the class in the same folder


def submission_names(paths: Sequence[Path]) -> list[str]:
    """A unique folder name per submission: the folder name or the zip's stem, -2, -3 for repeats."""
    names, seen = [], {}
    for path in paths:
        absolute = Path(path).absolute()
        base = absolute.stem if absolute.suffix == ".zip" else absolute.name
        base = "submission" if base in ("", ".", "..") else f"{base}-submission" if base in RESERVED else base
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return names


def already_graded(grader: Grader, path: Path, folder: Path) -> Report | None:
    """The saved report of ``path`` if it was graded from the same files by this grader version."""
    saved = load_report(folder / "results.json")
    if saved is None or saved.version != grader.version or saved.fingerprint is None:
        return None
    try:
        fingerprint = submission.read(path).fingerprint
    except Exception:  # unreadable now: grade it again, and let grading say why
        return None
    return saved if fingerprint == saved.fingerprint else None


def grade_one(grader: Grader, path: Path, name: str) -> Report:
    """One submission's report, whatever goes wrong: an error of the grader itself becomes that submission's problem."""
    try:
        with tempfile.TemporaryDirectory(prefix="grade-") as workdir:
            return grader.grade(path, name, Path(workdir))
    except Exception as error:
        return grader.refused(name, f"the grader failed on this submission ({type(error).__name__}: {str(error)[:300]})")


# Grades (path, folder name) pairs and yields (name, report) as each finishes, in any order.
Runner = Callable[[list[tuple[Path, str]]], Iterator[tuple[str, Report]]]


def grade_class(submissions: Sequence[Path], out: Path, jobs: int = 1, grader: Grader | None = None,
                force: bool = False, progress: bool = True) -> list[Report]:
    """Grade every submission, ``jobs`` at a time, into ``out``; returns the reports in the order given."""
    grader = grader or Grader()
    return run_class(submissions, out, grader, lambda todo: in_threads(grader, todo, jobs), force, progress)


def in_threads(grader: Grader, todo: list[tuple[Path, str]], jobs: int) -> Iterator[tuple[str, Report]]:
    """This machine's runner: ``jobs`` submissions at a time, each in its own sandbox."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_one, grader, path, name): name for path, name in todo}
        for future in as_completed(futures):
            yield futures[future], future.result()


def run_class(submissions: Sequence[Path], out: Path, grader: Grader, runner: Runner,
              force: bool = False, progress: bool = True) -> list[Report]:
    """Resume from ``out``, grade the rest with ``runner``, and write each grade as it arrives.

    ``grader`` decides what counts as already graded (its version); ``runner``
    decides where the grading happens (threads here, or a cluster).
    Returns the reports in the order given. If ``runner`` raises, every grade
    that arrived before is already written, and a new run resumes from there.
    """
    out.mkdir(parents=True, exist_ok=True)
    names = submission_names(submissions)
    reports: dict[str, Report] = {}

    def finish(name: str, report: Report, fresh: bool) -> None:
        if fresh:
            write_submission(report, out / name)
        reports[name] = report
        write_grades([reports[n] for n in names if n in reports], out / "grades.csv")

    todo = []
    for path, name in zip(submissions, names):
        saved = None if force else already_graded(grader, Path(path), out / name)
        if saved is not None:
            finish(name, saved, fresh=False)
        else:
            todo.append((Path(path), name))
    with tqdm(total=len(todo), desc="grading", unit="submission", disable=not progress) as bar:
        for name, report in runner(todo):
            finish(name, report, fresh=True)
            bar.update()
    return [reports[name] for name in names]
