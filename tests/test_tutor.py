"""The progress table at the end of `pytest exercises`: fits the terminal, says what to do next."""

import pytest

from exercises.catalogue import EXERCISES, by_key
from exercises.tutor import Progress, Tutor, run_name


def tutor_with(progress: dict[str, Progress]) -> Tutor:
    tutor = Tutor("exercises")
    tutor.progress.update(progress)
    return tutor


def fresh() -> dict[str, Progress]:
    return {e.key: Progress(not_started=6) for e in EXERCISES}


def worst_cases() -> dict[str, Progress]:
    """The longest statuses a row can have, one exercise each."""
    return {
        "vocab": Progress(passed=12),
        "padding": Progress(failed=10, not_started=2),
        "embedding": Progress(passed=1, failed=2, not_started=3),
        "attention": Progress(not_started=10),
        "positional": Progress(passed=5),
        "qkv": Progress(not_started=10, waiting_for={"Exercise 4"}),
        "classifier": Progress(not_started=12, waiting_for={"Exercise 2", "Exercise 4", "Exercise 5", "Exercise 6"}),
        "sinusoidal": Progress(passed=2, failed=2),
    }


@pytest.mark.parametrize("state", [fresh, worst_cases, lambda: {e.key: Progress(passed=4) for e in EXERCISES}])
def test_table_fits_an_80_column_terminal(state):
    """At 80 columns no line of the table or its closing lines is longer than 80 characters."""
    lines = tutor_with(state()).table(80)
    assert lines and max(map(len, lines)) <= 80, "\n".join(lines)


def test_narrow_table_keeps_one_row_per_exercise_and_spells_out_the_next_step():
    """At 80 columns: number, name, tests, points and status on one row; the first unfinished exercise in full below."""
    lines = tutor_with(fresh()).table(80)
    for exercise in EXERCISES:
        row = next(line for line in lines if f" {exercise.title} " in line)
        assert row.split()[0] == str(exercise.number) and row.endswith("not started"), row
        assert f" 0/{exercise.points}" in row, row
    below = " ".join(line.strip() for line in lines[len(EXERCISES) + 1:])
    assert below == f"next: Exercise 1, write tokenize, Vocab.__getitem__, build_vocab in exercises/vocab.py; check it with {by_key('vocab').command}"


def test_wide_table_gives_each_exercise_its_command_and_full_status_on_one_line():
    """On a wide terminal each row names the command for its tests and what to write, with no next line."""
    lines = tutor_with(fresh()).table(250)
    assert len(lines) == 1 + len(EXERCISES)
    for exercise, row in zip(EXERCISES, lines[1:]):
        assert exercise.command in row and "not started: " in row and row.endswith(f"in {exercise.module}.py"), row


def test_a_status_too_long_for_the_last_column_wraps_under_it():
    """A row waiting on several exercises goes on below its status cell instead of past the edge."""
    lines = tutor_with(worst_cases()).table(80)
    row = next(i for i, line in enumerate(lines) if " Transformer block and classifier " in line)
    below = lines[row + 1:lines.index(next(line for line in lines if " sinusoidal encoding " in line))]
    status_column = lines[0].index("status")
    assert below and all(line.startswith(" " * status_column) for line in below), lines
    assert " ".join([lines[row][status_column:], *(line.strip() for line in below)]).endswith("Exercise 6 first")


def test_closing_line_keeps_the_training_command_whole():
    """When everything passes, the command to train stays on one line, whatever the width."""
    lines = tutor_with({e.key: Progress(passed=4) for e in EXERCISES}).table(80)
    assert lines[-1].strip() == "python -m exercises.train --data-dir data/sample --preset sample", lines


def test_table_title_names_whose_code_ran():
    """The header says "your exercises" or "the reference (solutions)", not "exercises (exercises)"."""
    assert (run_name("exercises"), run_name("solutions")) == ("your exercises", "the reference (solutions)")


def test_an_exercise_whose_earlier_exercise_fails_says_fix_that_first():
    """Exercise 6's failures with Exercise 4 failing read "Exercise 4 is failing: fix it first" and cost no estimated points."""
    tutor = tutor_with({"attention": Progress(passed=7, failed=3), "qkv": Progress(passed=6, failed=4), "vocab": Progress(passed=2, failed=1)})
    lines = tutor.table(200)
    qkv = next(line for line in lines if "queries, keys and values" in line)
    assert "Exercise 4 is failing: fix it first" in qkv and "20/20" in qkv
    assert "fix it first" not in next(line for line in lines if "self-attention" in line)


def test_a_real_bug_in_attention_is_reported_once_in_the_visible_tests(tmp_path):
    """With softmax over the wrong dimension, pytest's table blames Exercise 4 and tells Exercise 6 and 7 to wait for it."""
    import subprocess
    import sys
    from pathlib import Path

    from grader.mutants import load_mutants, write_package

    write_package(tmp_path / "buggy", next(m for m in load_mutants() if m.id == "softmax-over-columns"))
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-m", "pytest", "exercises", "--impl", "buggy", "-q", "-p", "no:cacheprovider"],
                            cwd=root, capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path), "COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    qkv = next(line for line in result.stdout.splitlines() if "queries, keys and values" in line)
    classifier = next(line for line in result.stdout.splitlines() if "Transformer block and classifier" in line)
    assert "Exercise 4 is failing: fix it first" in qkv and "Exercise 4 is failing" in classifier, result.stdout[-3000:]


def test_a_call_that_does_not_raise_is_named_in_the_failure():
    """must_raise says which call must raise what; a stub's NotImplementedError passes through as "not started"."""
    from exercises.tests.checks import must_raise

    with pytest.raises(pytest.fail.Exception, match=r"build_vocab\(\.\.\., max_size=1\) must raise ValueError, but it raised nothing"):
        with must_raise(ValueError, "build_vocab(..., max_size=1)"):
            pass
    with pytest.raises(pytest.fail.Exception, match="but it raised TypeError: wrong"):
        with must_raise(ValueError, "f()"):
            raise TypeError("wrong")
    with pytest.raises(NotImplementedError):
        with must_raise(ValueError, "f()"):
            raise NotImplementedError("Exercise 1 (build_vocab): ...")


def test_an_error_inside_the_learners_code_is_reported_as_one_message(tmp_path):
    """A torch error raised by the learner's line reads "your code raised ...", with that file, line and statement."""
    import subprocess
    import sys
    from pathlib import Path

    from grader.mutants import write_package

    package = write_package(tmp_path / "crashing")
    source = (package / "attention.py").read_text()
    (package / "attention.py").write_text(source.replace("return attention_weights(X, mask) @ X  #", "return attention_weights(X, mask) @ X.transpose(-2, -1)  #"))
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-m", "pytest", "exercises", "--impl", "crashing", "-m", "attention", "-q", "-p", "no:cacheprovider"],
                            cwd=root, capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path), "COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert "your code raised RuntimeError" in result.stdout and "at attention.py:" in result.stdout and "in self_attention: return" in result.stdout, result.stdout[-3000:]


def test_small_integer_tensors_that_differ_are_printed():
    """A wrong mask or id tensor shows its values, not "Greatest relative difference: inf"."""
    import torch

    from exercises.tests.checks import expect_close

    with pytest.raises(AssertionError, match=r"expected \[\[True, False\]\]\n     got \[\[False, True\]\]"):
        expect_close(torch.tensor([[False, True]]), torch.tensor([[True, False]]), "the mask is True at real tokens")
