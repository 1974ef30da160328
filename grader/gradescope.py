"""Gradescope: the autograder bundle, and the grading inside Gradescope's container.

    python -m grader gradescope OUT.zip [--per exercise|check] [--hidden-visibility V]
                                         write the bundle to upload to Gradescope
    python -m grader.gradescope run      grade $AUTOGRADER_ROOT/submission (run_autograder calls this)
    python -m grader.gradescope check    exit 2 with the reason if no sandbox can be built (setup.sh calls this)

The bundle holds ``setup.sh`` and ``run_autograder`` at its root, the choices
made when it was built (``gradescope.json``) and, in ``kit/``, the part of
this project that grading needs. Gradescope unpacks it into
``/autograder/source``; ``AUTOGRADER_ROOT`` replaces ``/autograder`` so that
tests can build the same layout in a temporary folder.

Grading is the sandboxed grading of ``python -m grader grade``. If no sandbox
can be built in Gradescope's container, nothing is graded: ``run`` writes no
results and exits 2 with the grader's message, so Gradescope reports a
failed autograder instead of a grade.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

from exercises.catalogue import GIVEN_MODULES, Exercise

from . import submission
from .classroom import grade_one
from .grade import BONUS, EXERCISE_BY_KEY, MAX_SCORE, Grader, Report
from .jail import Jail, SandboxUnavailable
from .report import cause_lines, exercise_feedback, printed_markdown, problem_lines, write_atomically

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONFIG = "gradescope.json"
SCHEMA = HERE / "gradescope.schema.json"
PER = ("exercise", "check")
VISIBILITY = ("after_published", "visible", "hidden", "after_due_date")
# What grading needs of the project, relative to its root; the nbgrader course's working folders stay out.
KIT = ("pyproject.toml", "constraints.txt", "README.md", "solutions", "grader", "exercises")
LEFT_OUT = ("exercises/tests", "grader/course/release", "grader/course/submitted", "grader/course/autograded",
            "grader/course/feedback", "grader/course/gradebook.db")
# Zip entries get one fixed date: the same project gives the same bundle, byte for byte.
EPOCH = (2024, 1, 1, 0, 0, 0)

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image.
# It needs Gradescope's Ubuntu 24.04 base image (Python 3.12; the grader needs Python >= 3.11).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
KIT="$ROOT/source/kit"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "the grader needs Python >= 3.11, this image has " + sys.version.split()[0] + ": choose the Ubuntu 24.04 base image")'
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install --upgrade pip
# Gradescope has no GPU: torch's CPU build is a fraction of the default CUDA build's size.
"$ROOT/venv/bin/pip" install -c "$KIT/constraints.txt" torch --index-url https://download.pytorch.org/whl/cpu
"$ROOT/venv/bin/pip" install -c "$KIT/constraints.txt" "$KIT"
# Fail the build here, with the grader's reason, rather than every submission later.
cd "$KIT"
"$ROOT/venv/bin/python" -m grader.gradescope check
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission; grader/gradescope.py does the work.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
# Gradescope gives half a CPU, while torch starts a thread per visible core: on tiny tensors, those only fight over the quota.
export OMP_NUM_THREADS=1
cd "$ROOT/source/kit"
exec "${AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}" -m grader.gradescope run
"""


# --- the bundle ---------------------------------------------------------------------------------


def kit_files(root: Path = ROOT) -> list[Path]:
    """The project's files that grading needs, relative to ``root``, sorted."""
    found = []
    for name in KIT:
        path = root / name
        if path.is_file():
            found.append(Path(name))
            continue
        for file in path.rglob("*"):
            relative = file.relative_to(root)
            caches = "__pycache__" in relative.parts or ".ipynb_checkpoints" in relative.parts
            if file.is_file() and not caches and not any(relative.as_posix().startswith(p + "/") or relative.as_posix() == p for p in LEFT_OUT):
                found.append(relative)
    return sorted(found)


def check_choices(per: str, visibility: str) -> None:
    """Raises ValueError naming the bad value and the choices."""
    if per not in PER:
        raise ValueError(f"per must be one of {PER}, got {per!r}")
    if visibility not in VISIBILITY:
        raise ValueError(f"hidden-check visibility must be one of {VISIBILITY}, got {visibility!r}")


def bundle(out: Path, per: str = "exercise", visibility: str = "after_published", root: Path = ROOT) -> list[str]:
    """Write the autograder zip to upload to Gradescope; returns the names of its entries."""
    check_choices(per, visibility)
    if out.suffix != ".zip":
        raise ValueError(f"the bundle must be a .zip file, got {out}")
    config = {"per": per, "hidden_visibility": visibility}
    entries = [("setup.sh", SETUP_SH.encode(), 0o755), ("run_autograder", RUN_AUTOGRADER.encode(), 0o755),
               (CONFIG, (json.dumps(config, indent=2) + "\n").encode(), 0o644)]
    entries += [(f"kit/{path.as_posix()}", (root / path).read_bytes(), 0o644) for path in kit_files(root)]
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, EPOCH)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return [name for name, _, _ in entries]


# --- inside Gradescope ----------------------------------------------------------------------------


def autograder_root() -> Path:
    """``/autograder``, or ``$AUTOGRADER_ROOT``."""
    return Path(os.environ.get("AUTOGRADER_ROOT") or "/autograder")


def load_config(path: Path) -> dict:
    """The choices baked into the bundle.

    Raises:
        ValueError: if the file is missing, not JSON, or holds a choice the grader does not know.
    """
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
        check_choices(config["per"], config["hidden_visibility"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a valid bundle configuration ({error}); rebuild the bundle with `python -m grader gradescope`") from None
    return config


def locate(upload: Path, scratch: Path) -> Path:
    """What to grade in Gradescope's upload folder: the folder itself (it holds exercises/), its one zip,
    or, if the learner uploaded only the ``.py`` files, an ``exercises/`` package made of them (and the
    given helpers, ``validate.py``, unless uploaded) under ``scratch``.

    Raises:
        SubmissionError: if the upload is none of these, with the reason.
    """
    try:
        submission.read(upload)
        return upload
    except submission.SubmissionError as error:
        first = error
    if not upload.is_dir() or upload.is_symlink():
        raise first
    zips = sorted(p for p in upload.iterdir() if p.suffix.lower() == ".zip" and p.is_file() and not p.is_symlink())
    if len(zips) > 1:
        raise submission.SubmissionError(f"the upload holds {len(zips)} zip files ({', '.join(p.name for p in zips)}); upload one")
    if zips:
        return zips[0]
    try:
        package = submission.read_loose(upload)
    except submission.SubmissionError:
        raise first from None
    # The learner writes the six exercise modules; the helpers they import come with the stubs, and are added back here.
    given = {f"{name}.py": (ROOT / "exercises" / f"{name}.py").read_bytes() for name in GIVEN_MODULES}
    submission.Package({**given, **package.files}).write(scratch / "loose")
    return scratch / "loose"


def results(report: Report, per: str, visibility: str, seconds: float) -> dict:
    """Gradescope's ``results.json`` for one report; the bonus is extra credit on top of the 100."""
    tests = tests_per_exercise(report, visibility) if per == "exercise" else tests_per_check(report, visibility)
    bonus_max = EXERCISE_BY_KEY[BONUS].points
    lines = [f"**Score: {report.score} / {MAX_SCORE}**, and {report.bonus} / {bonus_max} extra-credit points for the bonus.", ""]
    if report.problem:
        lines += [f"Your submission could not be graded: {report.problem}. Upload your exercises/ folder, "
                  "a zip of it, or the .py files of exercises/.", ""]
    return {
        "score": report.score + report.bonus,
        "execution_time": round(seconds),
        "output": "\n".join(lines + printed_markdown(report)),
        "output_format": "md",
        "test_output_format": "md",
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "extra_data": {"grader_version": report.version, "fingerprint": report.fingerprint},
        "tests": tests,
    }


def _test_name(exercise: Exercise) -> str:
    extra = " (extra credit)" if exercise.number == "bonus" else ""
    return f"{exercise.label}: {exercise.title}{extra}"


def tests_per_exercise(report: Report, visibility: str) -> list[dict]:
    """One Gradescope test per exercise: its points, and the feedback of its failed checks."""
    tests = []
    for key, exercise in EXERCISE_BY_KEY.items():
        got, top = report.by_exercise[key]
        tests.append({"name": _test_name(exercise), "score": got, "max_score": top, "status": "passed" if got == top else "failed",
                      "output": "\n".join(exercise_feedback(report, key)), "output_format": "md", "visibility": visibility})
    return tests


def tests_per_check(report: Report, visibility: str) -> list[dict]:
    """One Gradescope test per hidden check: its points, and its hint and likely cause when it failed."""
    return [{"name": f"{_test_name(EXERCISE_BY_KEY[r.exercise])} — {r.test}", "score": r.points, "max_score": r.max_points,
             "status": "passed" if r.passed else "failed",
             "output": "Passed." if r.passed else " ".join([*cause_lines(report.diagnoses, r.exercise), *problem_lines([r])]),
             "output_format": "md", "visibility": visibility}
            for r in report.results]


def run(root: Path) -> int:
    """Grade ``root/submission`` into ``root/results/results.json``; 2, and no results, without a sandbox."""
    started = time.monotonic()
    config = load_config(root / "source" / CONFIG)
    try:
        grader = Grader()
    except SandboxUnavailable as error:
        print(f"NOT GRADED: the autograder cannot build its sandbox in this container: {error}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="gradescope-") as scratch:
        try:
            path = locate(root / "submission", Path(scratch))
        except submission.SubmissionError as error:
            report = grader.refused("submission", str(error))
        else:
            report = grade_one(grader, path, "submission")
    data = results(report, config["per"], config["hidden_visibility"], time.monotonic() - started)
    write_atomically(root / "results" / "results.json", json.dumps(data, indent=2) + "\n")
    print(f"score {report.score} / {MAX_SCORE}, bonus {report.bonus}{f' ({report.problem})' if report.problem else ''}")
    return 0


def check() -> int:
    """0 if a sandbox can be built here, else 2 with the grader's reason."""
    try:
        Jail(ROOT).check()
    except SandboxUnavailable as error:
        print(f"the autograder cannot build its sandbox in this container: {error}", file=sys.stderr)
        return 2
    print("sandbox: ok")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope", description="Grading inside Gradescope's container.")
    parser.add_argument("command", choices=("run", "check"), help="run: grade the submission; check: test the sandbox")
    args = parser.parse_args(argv)
    return run(autograder_root()) if args.command == "run" else check()


if __name__ == "__main__":
    sys.exit(main())
