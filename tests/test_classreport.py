"""The class report: numbers read from a graded folder, and a page whose figures exist and numbers are right."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grader.checks import all_checks
from grader.classreport import write_report
from grader.classstats import common_bugs, load_class, pass_rates
from grader.grade import CheckResult, Report, load_points
from grader.mutants import load_mutants
from grader.report import write_grades, write_submission
from tests.conftest import stubs, submission

ROOT = Path(__file__).resolve().parent.parent
HINTS = {m.id: m.hint for m in load_mutants()}


def hand_report(name: str, failing: dict[str, str]) -> Report:
    """A report where the checks in ``failing`` (check id -> message) failed and every other check passed."""
    points = load_points(all_checks())
    results = [CheckResult(c.exercise, c.name, 0 if c.id in failing else points[c.id], points[c.id], c.id not in failing,
                           failing.get(c.id, "passed")) for c in all_checks()]
    return Report(name, results, version="test")


@pytest.fixture
def graded(tmp_path) -> Path:
    """Three submissions: all passed; attention broken; attention and one vocab check broken; bugs in their ``diagnoses`` lists."""
    attention = [c.id for c in all_checks() if c.exercise == "attention"]
    reports = [
        hand_report("ann", {}),
        hand_report("ben", {check: "rows differ" for check in attention}),
        hand_report("cat<script>", {**{check: "rows differ" for check in attention}, "vocab.tokenize_tricky_text": "capitals kept"}),
    ]
    out = tmp_path / "out"
    for report in reports:
        write_submission(report, out / report.submission)
    write_grades(reports, out / "grades.csv")
    softmax = {"exercise": "attention", "id": "softmax-over-columns", "message": HINTS["softmax-over-columns"]}
    for name, diagnoses in (("ben", [softmax]), ("cat<script>", [softmax, {"exercise": "vocab", "id": "no-lowercase", "message": HINTS["no-lowercase"]}])):
        path = out / name / "results.json"
        data = json.loads(path.read_text())
        data["diagnoses"] = diagnoses
        path.write_text(json.dumps(data))
    return out


def test_bugs_are_counted_per_submission_from_their_diagnoses(graded):
    """Each bug of a results.json's diagnoses counts once for its submission."""
    bugs = {b.id: b.submissions for b in common_bugs(load_class(graded))}
    assert bugs == {"softmax-over-columns": ("ben", "cat<script>"), "no-lowercase": ("cat<script>",)}


def test_pass_rates_are_worst_first(graded):
    """Every check has a rate; the attention checks (1 of 3 pass) come first, the all-passed ones last."""
    rates = pass_rates(load_class(graded))
    assert len(rates) == len(all_checks())
    attention = sum(1 for c in all_checks() if c.exercise == "attention")
    assert all(check.startswith("attention.") and rate == pytest.approx(1 / 3) for check, rate in rates[:attention])
    assert rates[-1][1] == 1.0


def test_report_page_shows_the_numbers_and_existing_figures(graded):
    """report.html links four PNGs that exist, and states the mean, the weakest exercise and the commonest bug."""
    page = write_report(graded).read_text()
    images = re.findall(r'<img src="([^"]+)"', page)
    assert images == ["report-scores.png", "report-exercises.png", "report-checks.png", "report-bugs.png"]
    for image in images:
        assert (graded / image).read_bytes().startswith(b"\x89PNG")
    assert "Mean score <b>86.0</b>, median 80, lowest 78, highest 100" in page  # 100, 80, 78
    assert "Exercise 4: self-attention</b> (33% of its points" in page
    assert "<b>softmax-over-columns</b> in 2 of 3 submissions" in page
    assert "ben, cat&lt;script&gt;" in page and "<script>" not in page


def test_report_command_names_a_folder_without_grades(tmp_path):
    """`python -m grader report` on a folder that grade did not write exits 2, naming it and what was expected."""
    done = subprocess.run([sys.executable, "-m", "grader", "report", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and f"{tmp_path} has no grades.csv" in done.stderr


def test_a_missing_results_file_is_named(graded):
    """A submission listed in grades.csv without its results.json is an error naming that file."""
    (graded / "ben" / "results.json").unlink()
    with pytest.raises(ValueError, match=r"ben/results.json is not a results.json"):
        load_class(graded)


def test_grade_command_writes_the_class_report(tmp_path):
    """`python -m grader grade` ends by writing report.html for the class it graded."""
    subs = [submission(tmp_path / "reference"), stubs(tmp_path / "stubs")]
    done = subprocess.run([sys.executable, "-m", "grader", "grade", *map(str, subs), "--out", str(tmp_path / "out"), "--jobs", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "out" / "report.html").read_text()
    assert "Mean score <b>50.0</b>, median 50, lowest 0, highest 100" in page
