"""The Gradescope autograder: its bundle, and its grading in a simulated Gradescope layout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from grader import gradescope
from grader.checks import all_checks
from grader.jail import SandboxUnavailable
from grader.mutants import load_mutants, sources
from tests.conftest import stubs, submission

ROOT = Path(__file__).resolve().parent.parent
SIX = ("vocab", "padding", "embedding", "attention", "positional", "classifier")


@pytest.fixture(scope="module")
def schema() -> dict:
    schema = json.loads(gradescope.SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> dict[str, Path]:
    """Two bundles built from this checkout: per exercise (the default) and per check, visible."""
    folder = tmp_path_factory.mktemp("bundles")
    gradescope.bundle(folder / "per-exercise.zip")
    gradescope.bundle(folder / "per-check.zip", per="check", visibility="visible")
    return {"exercise": folder / "per-exercise.zip", "check": folder / "per-check.zip"}


def layout(tmp_path: Path, bundle: Path) -> Path:
    """Gradescope's /autograder: the bundle unpacked in source/, an empty submission/ and results/."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    return root


def run_autograder(root: Path) -> tuple[subprocess.CompletedProcess, dict | None]:
    """Run the bundle's own run_autograder script; its results.json, if it wrote one."""
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    env.pop("PYTHONPATH", None)  # the bundle's kit must be what runs, not this checkout
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True, timeout=300)
    path = root / "results" / "results.json"
    return done, json.loads(path.read_text()) if path.exists() else None


# --- the bundle -------------------------------------------------------------------------------


def test_bundle_has_the_entry_points_its_choices_and_the_kit(bundles):
    """setup.sh and run_autograder (executable) at the root, the baked-in choices, the kit without tests or caches."""
    with zipfile.ZipFile(bundles["check"]) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        config = json.loads(archive.read("gradescope.json"))
    assert {"setup.sh", "run_autograder"} <= names
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert config == {"per": "check", "hidden_visibility": "visible"}
    assert {"kit/pyproject.toml", "kit/constraints.txt", "kit/grader/gradescope.py", "kit/grader/points.toml",
            "kit/solutions/attention.py", "kit/exercises/catalogue.py", "kit/exercises/validate.py"} <= names
    assert not [n for n in names if "__pycache__" in n or n.startswith(("kit/exercises/tests/", "kit/tests/"))]


def test_bundle_is_the_same_bytes_when_built_twice(bundles, tmp_path):
    """Fixed entry dates: the same checkout gives the same bundle."""
    gradescope.bundle(tmp_path / "again.zip")
    assert (tmp_path / "again.zip").read_bytes() == bundles["exercise"].read_bytes()


@pytest.mark.parametrize("per, visibility, named", [("test", "visible", "'test'"), ("check", "sometimes", "'sometimes'")])
def test_bundle_refuses_unknown_choices_by_name(tmp_path, per, visibility, named):
    """An unknown --per or visibility is an error naming the value and the choices."""
    with pytest.raises(ValueError, match=named):
        gradescope.bundle(tmp_path / "bundle.zip", per=per, visibility=visibility)
    assert not (tmp_path / "bundle.zip").exists()


def test_gradescope_command_writes_the_bundle(tmp_path):
    """`python -m grader gradescope OUT.zip --per check` writes a bundle with that choice."""
    out = tmp_path / "autograder.zip"
    done = subprocess.run([sys.executable, "-m", "grader", "gradescope", str(out), "--per", "check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read("gradescope.json"))["per"] == "check"


# --- grading in the simulated layout -------------------------------------------------------------


def test_correct_zip_scores_100_plus_the_bonus(bundles, schema, tmp_path):
    """The reference, uploaded as a zip: 105 (100 + 5 extra credit), every exercise passed, valid results."""
    root = layout(tmp_path, bundles["exercise"])
    folder = submission(tmp_path / "work")
    shutil.make_archive(str(root / "submission" / "mywork"), "zip", folder)
    done, results = run_autograder(root)
    assert done.returncode == 0, done.stderr
    jsonschema.validate(results, schema)
    assert results["score"] == 105
    assert [t["score"] for t in results["tests"]] == [10, 10, 10, 20, 10, 20, 20, 5]
    assert all(t["status"] == "passed" and t["max_score"] == t["score"] for t in results["tests"])
    assert {t["visibility"] for t in results["tests"]} == {"after_published"}


def test_stubs_folder_scores_0_with_not_started_feedback(bundles, schema, tmp_path):
    """The untouched stubs, uploaded as a folder holding exercises/: 0, each exercise says it is not started."""
    root = layout(tmp_path, bundles["exercise"])
    stubs(root / "submission" / "mywork")
    done, results = run_autograder(root)
    assert done.returncode == 0, done.stderr
    jsonschema.validate(results, schema)
    assert results["score"] == 0
    assert all(t["status"] == "failed" and t["score"] == 0 for t in results["tests"])
    assert all(t["output"].startswith("Not started:") for t in results["tests"])


def test_loose_files_with_a_bug_get_its_hint_per_check(bundles, schema, tmp_path):
    """The six .py files alone, one with a catalogued bug: one test per check, and the bug is named."""
    mutant = next(m for m in load_mutants() if m.exercise == "attention" and m.module == "attention")
    root = layout(tmp_path, bundles["check"])
    for module in SIX:
        (root / "submission" / f"{module}.py").write_text(sources(mutant)[module] if module == "attention" else (ROOT / "solutions" / f"{module}.py").read_text())
    done, results = run_autograder(root)
    assert done.returncode == 0, done.stderr
    jsonschema.validate(results, schema)
    assert len(results["tests"]) == len(all_checks())
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert failed and all(t["name"].startswith("Exercise 4:") for t in failed)
    assert results["score"] == 105 - sum(t["max_score"] for t in failed)
    assert all(f"**Likely cause:** {mutant.hint}" in t["output"] for t in failed)
    assert {t["visibility"] for t in results["tests"]} == {"visible"}


def test_upload_without_code_scores_0_and_says_what_to_upload(bundles, schema, tmp_path):
    """An upload with no Python code is refused with a message, and every test fails."""
    root = layout(tmp_path, bundles["exercise"])
    (root / "submission" / "notes.txt").write_text("I did it all")
    done, results = run_autograder(root)
    assert done.returncode == 0, done.stderr
    jsonschema.validate(results, schema)
    assert results["score"] == 0
    assert "could not be graded: no exercises/ package" in results["output"]


def test_no_sandbox_means_no_results_and_a_loud_failure(bundles, tmp_path, monkeypatch, capsys):
    """Where bubblewrap cannot work, nothing is graded: no results.json, exit 2, the grader's reason on stderr."""
    root = layout(tmp_path, bundles["exercise"])
    stubs(root / "submission")

    def no_sandbox(*args, **kwargs):
        raise SandboxUnavailable("bubblewrap cannot create a sandbox here (no user namespaces)")

    monkeypatch.setattr(gradescope, "Grader", no_sandbox)
    assert gradescope.run(root) == 2
    assert not (root / "results" / "results.json").exists()
    error = capsys.readouterr().err
    assert "NOT GRADED" in error and "no user namespaces" in error


# --- finding the code in the upload ----------------------------------------------------------------


def test_two_zips_are_refused_by_name(tmp_path):
    """An upload with two zips is ambiguous: refused, naming both."""
    for name in ("a.zip", "b.zip"):
        shutil.make_archive(str(tmp_path / "upload" / Path(name).stem), "zip", submission(tmp_path / name))
    with pytest.raises(gradescope.submission.SubmissionError, match="a.zip, b.zip"):
        gradescope.locate(tmp_path / "upload", tmp_path / "scratch")


def test_a_linked_loose_file_is_refused(tmp_path):
    """A loose attention.py that is a link to another file of the machine is refused, not read."""
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "attention.py").symlink_to(ROOT / "solutions" / "attention.py")
    with pytest.raises(gradescope.submission.SubmissionError, match="symbolic link"):
        gradescope.locate(upload, tmp_path / "scratch")


def test_loose_files_get_the_given_helpers(tmp_path):
    """Loose files become an exercises/ package with validate.py added from the stubs."""
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "vocab.py").write_text("x = 1\n")
    package = gradescope.locate(upload, tmp_path / "scratch")
    assert sorted(p.name for p in (package / "exercises").iterdir()) == ["__init__.py", "validate.py", "vocab.py"]
