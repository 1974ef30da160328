"""The nbgrader course: generated from the reference, graded headless end to end."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import nbformat
import pytest

from exercises.catalogue import EXERCISES
from grader import build, nbcourse
from grader.grade import Grader
from grader.checks import Impl
from grader.mutants import load_mutants, write_package

ROOT = Path(__file__).resolve().parent.parent
MUTANT = "softmax-over-columns"


def cells(nb) -> dict[str, dict]:
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"] if "nbgrader" in c["metadata"]}


def test_checked_in_notebook_matches_its_template():
    """The .ipynb is exactly what the jupytext template and solutions/ generate (run `python -m grader build`)."""
    assert not nbcourse.stale()


def test_hidden_cells_carry_the_points_of_the_catalogue():
    """One graded hidden cell per exercise, worth its catalogue points, 100 in all; the bonus is ungraded."""
    nb = nbcourse.notebook()
    graded = {gid: c for gid, c in cells(nb).items() if c["metadata"]["nbgrader"].get("grade")}
    expected = {f"{e.key}_hidden": e.points for e in EXERCISES if e.number != "bonus"}
    assert {gid: c["metadata"]["nbgrader"]["points"] for gid, c in graded.items()} == expected
    for gid, cell in graded.items():
        source = cell["source"]
        assert source.startswith("### BEGIN HIDDEN TESTS") and source.rstrip().endswith("### END HIDDEN TESTS")
        assert f'grade_exercise("{gid.removesuffix("_hidden")}", globals())' in source


def test_solution_cells_hold_the_reference_definitions():
    """Each answer cell contains the marked reference code of its exercise's targets."""
    nb = nbcourse.notebook()
    answers = "\n".join(c["source"] for c in cells(nb).values() if c["metadata"]["nbgrader"].get("solution"))
    for exercise in EXERCISES:
        for target in exercise.targets:
            assert f"def {target.rpartition('.')[2]}(" in answers, target
    assert answers.count("### BEGIN SOLUTION") == sum(len(e.targets) for e in EXERCISES)


def answered(release_nb: dict, source_nb: dict, edits: tuple = ()) -> dict:
    """The release notebook with every answer cell filled in from the source, then ``edits`` applied."""
    answers = {gid: c["source"] for gid, c in cells(source_nb).items() if c["metadata"]["nbgrader"].get("solution")}
    nb = json.loads(json.dumps(release_nb))
    for gid, cell in cells(nb).items():
        if gid in answers:
            text = answers[gid]
            for find, replace in edits:
                text = text.replace(find, replace)
            cell["source"] = text
    return nb


CHEATS = {
    # Replace the grading function in the kernel, then leave every answer a stub.
    "mallory": {"vocab_code": "import grader.notebook\ngrader.notebook.grade_exercise = lambda *args, **kwargs: 10.0\n"},
    # Import the reference instead of writing it.
    "eve": {f"{key}_code": f"from solutions.{module} import *\n" for key, module in
            (("vocab", "vocab"), ("padding", "padding"), ("embedding", "embedding"), ("attention", "attention"),
             ("positional", "positional"), ("qkv", "attention"), ("classifier", "classifier"))},
}


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """The instructor flow of the README: reference, untouched release, one bug, and two notebooks that cheat."""
    course = nbcourse.generated_course(tmp_path_factory.mktemp("nbgrader") / "course")
    release_nb = json.loads((course / "release" / "transformer" / "transformer.ipynb").read_text())
    source_nb = json.loads((course / "source" / "transformer" / "transformer.ipynb").read_text())
    mutant = next(m for m in load_mutants() if m.id == MUTANT)
    submissions = {"ada": answered(release_nb, source_nb), "bob": release_nb, "cy": answered(release_nb, source_nb, mutant.edits)}
    for student, cheats in CHEATS.items():
        nb = json.loads(json.dumps(release_nb))
        for gid, cell in cells(nb).items():
            if gid in cheats:
                cell["source"] = cheats[gid] + "".join(cell["source"])
        submissions[student] = nb
    for student, nb in submissions.items():
        folder = course / "submitted" / student / "transformer"
        folder.mkdir(parents=True)
        (folder / "transformer.ipynb").write_text(json.dumps(nb))
    nbcourse.nbgrader("autograde", "transformer", "--create", cwd=course)
    nbcourse.nbgrader("generate_feedback", "transformer", cwd=course)
    nbcourse.nbgrader("export", "--to", "grades.csv", cwd=course)
    return course, release_nb


def test_exported_grades_of_the_three_submissions(graded_course, tmp_path):
    """Reference 100, untouched release 0, the bug loses exactly the points `python -m grader grade` takes."""
    course, _ = graded_course
    rows = {r["student_id"]: r for r in csv.DictReader(open(course / "grades.csv"))}
    expected = {"ada": (100.0, 100.0), "bob": (0.0, 100.0), "mallory": (0.0, 100.0), "eve": (0.0, 100.0)}
    assert {s: (float(r["score"]), float(r["max_score"])) for s, r in rows.items() if s != "cy"} == expected
    mutant = next(m for m in load_mutants() if m.id == MUTANT)
    write_package(tmp_path / "mutant_pkg", mutant)
    sys.path.insert(0, str(tmp_path))
    try:
        grader = Grader()
        report = grader.report("cy", grader.outcomes_in_process(Impl("mutant_pkg")))
    finally:
        sys.path.remove(str(tmp_path))
    assert float(rows["cy"]["score"]) == report.score < 100


def test_only_the_buggy_exercise_cell_loses_points(graded_course):
    """In the mutant's autograded notebook the attention cell scores below 20, every other cell full."""
    course, _ = graded_course
    nb = nbformat.read(course / "autograded" / "cy" / "transformer" / "transformer.ipynb", as_version=4)
    scores = {}
    for gid, cell in cells(nb).items():
        if cell["metadata"]["nbgrader"].get("grade"):
            result = next(o for o in cell["outputs"] if o["output_type"] == "execute_result")
            scores[gid] = float(result["data"]["text/plain"])
    assert scores.pop("attention_hidden") < 20
    assert scores == {f"{e.key}_hidden": e.points for e in EXERCISES if e.number not in ("bonus", 4)}
    text = nbformat.writes(nb)
    assert "rows of the weight matrix don't sum to 1" in text


def test_submitted_notebooks_never_run_on_the_host(graded_course):
    """Autograde runs no kernel: only the hidden cells have outputs (the sandbox's hints and points), never stderr."""
    course, _ = graded_course
    for student in ("ada", "mallory"):
        nb = nbformat.read(course / "autograded" / student / "transformer" / "transformer.ipynb", as_version=4)
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            kinds = [o["output_type"] for o in cell["outputs"]]
            hidden = cell["metadata"].get("nbgrader", {}).get("grade", False)
            assert kinds == (["stream", "execute_result"] if hidden else []), cell["metadata"]
            assert all(o.get("name") != "stderr" for o in cell["outputs"])
    assert (course / "feedback" / "ada" / "transformer" / "transformer.html").is_file()


def test_release_notebook_has_no_answers_and_no_hidden_tests(graded_course):
    """The students' notebook keeps the stubs only: no solution line, no hidden test."""
    _, release_nb = graded_course
    text = "\n".join(c["source"] if isinstance(c["source"], str) else "".join(c["source"]) for c in release_nb["cells"])
    assert "HIDDEN TESTS" not in text and "grade_exercise" not in text
    for path in (ROOT / "solutions").glob("*.py"):
        assert not [line for line in build.secret_lines(path.read_text()) if line in text], path.name
    assert text.count("# YOUR CODE HERE") == sum(len(e.targets) for e in EXERCISES)
