"""`python -m grader release`: everything a learner needs, nothing of the answers."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exercises.catalogue import TOOL_MODULES, exercise_modules
from grader import build
from grader.release import release

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "course"
    release(out)
    return out


def released_text(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


def test_release_holds_stubs_tests_sample_and_instructions(released):
    """The learner's package, its visible tests and probes with the bugs' results on them, the sample and a README, pyproject and Makefile."""
    for name in ("README.md", "pyproject.toml", "Makefile", "constraints.txt", "data/sample/train.csv", "exercises/tutor.py", "exercises/tests/test_04_attention.py",
                 "exercises/causes.py", "exercises/tests/probes.py", "exercises/tests/causes.pt.gz"):
        assert (released / name).is_file(), name
    assert not any((released / name).exists() for name in ("solutions", "grader", "tests", "benchmarks"))


def test_release_contains_no_solution_body(released):
    """No non-trivial line of a marked solution body is in any released file."""
    text = released_text(released)
    for path in (ROOT / "solutions").glob("*.py"):
        leaked = [line for line in build.secret_lines(path.read_text()) if line in text]
        assert not leaked, f"{path.name}: {leaked}"


def test_release_contains_no_hidden_check_text(released):
    """No line of the hidden checks, their points or the bug catalogue is released."""
    text = released_text(released)
    hidden = [*(ROOT / "grader" / "checks").glob("*.py"), ROOT / "grader" / "points.toml", ROOT / "grader" / "mutants.toml"]
    # The tools (train, predict, ...) are released as they are: a line they share with a check is public anyway.
    tools = {line.strip() for module in TOOL_MODULES for line in (ROOT / "solutions" / f"{module}.py").read_text().splitlines()}
    for path in hidden:
        for line in path.read_text().splitlines():
            line = line.strip()
            if len(line) > 25 and line not in tools and not line.startswith(("#", '"""', "import ", "from ", "def ", "class ")):  # signatures are public
                assert line not in text, f"{path.name}: {line}"


def test_release_refuses_to_overwrite(released):
    """Releasing into an existing folder is an error: nothing there is ever overwritten."""
    with pytest.raises(FileExistsError):
        release(released)


def run_pytest(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "exercises", "-p", "no:cacheprovider"],
        cwd=folder, capture_output=True, text=True, env={**os.environ, "COLUMNS": "80"},
    )


def test_pytest_exercises_runs_inside_the_release(released):
    """In the release alone, every exercise is reported as not started."""
    result = run_pytest(released)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"rootdir: {released}" in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.endswith("not started")]
    assert len(rows) == 8 and "passed" not in result.stdout.splitlines()[-1], result.stdout


def test_released_tests_pass_once_the_exercises_are_solved(released, tmp_path):
    """With correct code in its exercises/, the release's own tests all pass."""
    solved = tmp_path / "solved"
    shutil.copytree(released, solved)
    for module in exercise_modules():
        shutil.copyfile(ROOT / "solutions" / f"{module}.py", solved / "exercises" / f"{module}.py")
    result = run_pytest(solved)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Every exercise passes" in result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_test_on_a_fresh_release_says_unfinished_exercises_are_expected_to_fail(released, tmp_path):
    """`make test` before any exercise is written explains the failures and succeeds, instead of a bare `Error 1`."""
    fresh = tmp_path / "fresh"
    shutil.copytree(released, fresh)
    (fresh / ".venv").mkdir()
    (fresh / ".venv" / ".installed").touch()  # installed already: this test checks what `make test` says, not pip
    result = subprocess.run(
        ["make", "test", f"PY={sys.executable}"], cwd=fresh, capture_output=True, text=True,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Error" not in result.stderr and "the install works" in "\n".join(result.stdout.splitlines()[-4:]), result.stdout


@pytest.fixture(scope="module")
def finished(released, tmp_path_factory) -> Path:
    """The release with a learner's finished work in exercises/: the independent implementation (tests/independent)."""
    folder = tmp_path_factory.mktemp("finished") / "course"
    shutil.copytree(released, folder)
    for path in (ROOT / "tests" / "independent" / "exercises").glob("*.py"):
        if path.name != "__init__.py":
            shutil.copyfile(path, folder / "exercises" / path.name)
    (folder / ".venv").mkdir()
    for stamp in (".installed", ".installed-train"):  # installed already: these tests check the commands, not pip
        (folder / ".venv" / stamp).touch()
    return folder


def run_in(folder: Path, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, env={**os.environ, "COLUMNS": "80"})


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_train_and_predict_train_and_explain_the_learners_own_classes(finished):
    """`make train` and `make predict` in the release run the learner's code (the project's stubs would raise) on the sample."""
    trained = run_in(finished, "make", "train", f"PY={sys.executable}", "ARGS=--epochs 3")
    assert trained.returncode == 0, trained.stdout + trained.stderr
    assert "-m exercises.train --data-dir data/sample --preset sample" in trained.stdout and "test         accuracy" in trained.stdout
    assert {p.name for p in (finished / "runs" / "sample").iterdir()} == {"model.pt", "vocab.txt", "metrics.json", "curves.png"}
    predicted = run_in(finished, "make", "predict", f"PY={sys.executable}", "REVIEW=Dull, slow and far too long.")
    assert predicted.returncode == 0, predicted.stdout + predicted.stderr
    assert "attended to most: " in predicted.stdout and (finished / "runs" / "sample" / "attention-1.png").is_file()


def test_the_tutors_closing_command_trains_in_the_release(finished, tmp_path):
    """The command the progress table ends with, run where the learner runs pytest, trains their model."""
    from exercises.tutor import TRAIN

    python, *arguments = TRAIN.split()
    assert python == "python"
    result = run_in(finished, sys.executable, *arguments, "--epochs", "2", "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "run" / "model.pt").is_file()


def test_training_the_stubs_says_to_finish_the_exercises(released, tmp_path):
    """In a fresh release, training stops at once with the first unwritten function, not a traceback."""
    result = run_in(released, sys.executable, "-m", "exercises.train", "--data-dir", "data/sample", "--preset", "sample", "--out", str(tmp_path / "run"))
    assert result.returncode == 2 and "Exercise 1 (tokenize)" in result.stderr and "Finish the exercises first" in result.stderr
    assert "Traceback" not in result.stderr
