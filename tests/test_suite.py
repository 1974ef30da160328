"""`pytest -p grader.suite --submission SUB`: one pytest test per hidden check, with the grader's verdicts and points."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.grade import Grader
from tests.conftest import submission, with_bug

ROOT = Path(__file__).resolve().parent.parent


def run_suite(sub: Path, folder: Path) -> tuple[subprocess.CompletedProcess, dict[str, dict]]:
    """Run the entry point from a folder of its own, as an instructor or a CI job would; the junit XML's tests by id."""
    xml = folder / "grades.xml"
    # -c /dev/null and --rootdir: no configuration of this project (its addopts) or of any folder above applies.
    command = [sys.executable, "-m", "pytest", "-p", "grader.suite", "--submission", str(sub), "--junitxml", str(xml),
               "-p", "no:cacheprovider", "-c", "/dev/null", "--rootdir", str(folder)]
    result = subprocess.run(command, cwd=folder, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=300)
    tests = {}
    for case in ET.parse(xml).iter("testcase"):
        failure = case.find("failure")
        tests[f"{case.get('classname')}::{case.get('name')}"] = {
            "properties": {p.get("name"): int(p.get("value")) for p in case.iter("property")},
            "failure": None if failure is None else failure.text,
        }
    return result, tests


def test_a_correct_submission_passes_every_hidden_check_with_full_points(tmp_path):
    """Exit status 0, one passing test per check, ids exercise::check, points equal to max_points."""
    grader = Grader(sandbox=False)
    result, tests = run_suite(submission(tmp_path / "sub"), tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert list(tests) == [c.id.replace(".", "::", 1) for c in grader.checks]
    assert all(t["failure"] is None and t["properties"] == {"points": grader.points[i], "max_points": grader.points[i]}
               for i, t in zip((c.id for c in grader.checks), tests.values()))
    assert "sub: 100 / 100, bonus 5 / 5" in result.stdout


def test_a_submission_with_a_bug_fails_exactly_the_checks_the_grader_fails_with_its_messages(tmp_path):
    """Exit status 1; the failed tests, their messages and their points are those of `grade` on the same submission."""
    sub = with_bug(tmp_path / "sub", "softmax-over-columns")
    expected = Grader().grade(sub, "sub", tmp_path / "work").results
    result, tests = run_suite(sub, tmp_path)
    assert result.returncode == 1, result.stdout[-3000:]
    failed = {f"{r.exercise}::{r.test}": r for r in expected if not r.passed}
    assert failed and {i for i, t in tests.items() if t["failure"] is not None} == set(failed)
    for check_id, r in failed.items():
        assert tests[check_id]["failure"].strip().endswith(r.message)
        assert tests[check_id]["properties"] == {"points": 0, "max_points": r.max_points}
    assert all(t["failure"].startswith("**Likely cause:** rows of the weight matrix don't sum to 1") for t in tests.values() if t["failure"])


def test_without_a_submission_the_plugin_collects_as_usual(tmp_path):
    """Loaded without --submission, the plugin only adds the option: the folder's own tests run."""
    (tmp_path / "test_mine.py").write_text("def test_one():\n    assert True\n")
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "grader.suite", "-p", "no:cacheprovider", "-c", "/dev/null", "--rootdir", str(tmp_path), "-q"],
                            cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout
