"""The student release: what learners receive, without answers.

    python -m grader release OUT

``OUT`` gets the stubs, the tools that train, run and explain the learner's
model (data, train, predict, explain: the reference's own modules, whose
relative imports run the learner's classes) and the visible tests
(``exercises/``), the review sample (``data/sample``), the nbgrader release
notebook (``notebooks/``), and a students' README, pyproject and Makefile
(``make train``, ``make predict``). No reference answers, no hidden checks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .build import ROOT, stale
from .nbcourse import release_notebooks

TEMPLATES = Path(__file__).resolve().parent / "release"


def release(out: Path) -> list[Path]:
    """Write the student release into ``out`` (which must not exist yet); return the files written.

    Raises:
        FileExistsError: if ``out`` exists (nothing of a learner's is ever overwritten).
        RuntimeError: if the stubs are out of date with the reference.
    """
    if out.exists():
        raise FileExistsError(f"{out} already exists; choose a new folder for the release")
    if stale():
        raise RuntimeError(f"the stubs are out of date: {stale()}; run `python -m grader build` first")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    shutil.copytree(ROOT / "exercises", out / "exercises", ignore=ignore)
    shutil.copytree(ROOT / "data" / "sample", out / "data" / "sample", ignore=shutil.ignore_patterns("README.md"))
    release_notebooks(out / "notebooks")
    for name in ("README.md", "pyproject.toml", "Makefile"):
        shutil.copyfile(TEMPLATES / name, out / name)
    shutil.copyfile(ROOT / "constraints.txt", out / "constraints.txt")
    return sorted(p for p in out.rglob("*") if p.is_file())
