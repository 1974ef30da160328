"""`pytest exercises` names a failing exercise's likely cause as the grader does: same rules, visible probes, shipped results."""

from __future__ import annotations

import copy
import os
import subprocess
import sys

import pytest

from exercises import causes
from exercises.catalogue import EXERCISES, by_key
from exercises.comparison import compare
from exercises.diagnosis import Diagnosis
from exercises.tests.probes import all_probes, probes_of
from exercises.tests.probing import Probe, plain, run
from exercises.tutor import Progress, Tutor
from grader.mutants import Mutant, load_mutants, write_package
from tests.conftest import ROOT, bugs_in_memory

MUTANTS = load_mutants()
# One bug per exercise, the first the catalogue lists: the end-to-end runs of `pytest exercises` take seconds each.
SAMPLE = [next(m for m in MUTANTS if m.exercise == e.key) for e in EXERCISES if any(m.exercise == e.key for m in MUTANTS)]


@pytest.fixture(scope="module")
def shipped() -> dict:
    """The results shipped in exercises/tests/causes.pt.gz."""
    return causes.load()


def words(text: str) -> str:
    """``text`` with every run of whitespace as one space: wrapped lines read as one."""
    return " ".join(text.split())


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_a_catalogued_bug_is_named_alone_from_its_visible_probe_results_or_not_at_all(mutant, shipped):
    """The reference with one catalogued bug: its own hint is the likely cause, or nothing is (never another bug's)."""
    package = bugs_in_memory(mutant)
    prerequisites_pass = all(causes.matches_reference(key, package, shipped) for key in by_key(mutant.exercise).uses)
    assert prerequisites_pass, f"{mutant.id} changes an exercise that {mutant.exercise} uses"
    found = [d for d in causes.likely_causes(by_key(mutant.exercise), package, shipped) if d.certain]
    assert found in ([], [Diagnosis(mutant.exercise, mutant.id, mutant.hint)]), [d.id for d in found]


def test_the_visible_probes_name_nearly_every_catalogued_bug(shipped):
    """At least 95% of the catalogue is named locally; the rest (listed on failure) need a visible probe that catches them."""
    unnamed = [m.id for m in MUTANTS if not causes.likely_causes(by_key(m.exercise), bugs_in_memory(m), shipped)]
    assert len(unnamed) <= 0.05 * len(MUTANTS), f"the visible probes name nothing for {unnamed}: extend exercises/tests/probes.py"


def test_the_reference_gets_no_cause(shipped):
    """Every probe of every exercise gives the shipped reference result on solutions/: nothing to explain."""
    for exercise in EXERCISES:
        assert causes.matches_reference(exercise.key, "solutions", shipped), exercise.key
        assert causes.likely_causes(exercise, "solutions", shipped) == []


def test_an_implementation_written_from_the_docstrings_matches_the_reference_on_every_probe(shipped):
    """tests/independent gives the shipped reference results: the probes test the specification, not the reference's quirks."""
    for exercise in EXERCISES:
        assert causes.matches_reference(exercise.key, "tests.independent.exercises", shipped), exercise.key


def test_visible_probes_tell_every_two_bugs_of_an_exercise_apart(shipped):
    """No two catalogued bugs the probes catch give the same results on every visible probe (add a probe when a new bug needs one)."""
    twins = []
    for exercise in EXERCISES:
        bugs = [bug for bug in shipped[exercise.key]["bugs"] if bug["results"]]
        expected = shipped[exercise.key]["reference"]
        for index, first in enumerate(bugs):
            for second in bugs[index + 1:]:
                a, b = ({**expected, **bug["results"]} for bug in (first, second))
                if all(compare(a[p.id], b[p.id], p, equal_nan=True) is None for p in probes_of(exercise.key)):
                    twins.append((first["id"], second["id"]))
    assert twins == []


def test_a_cause_seen_in_the_results_is_named_locally_though_no_catalogued_bug_predicts_it(shipped):
    """A bug outside the catalogue whose tokens differ is named by its token edits in `pytest exercises` too."""
    runs = Mutant("runs-of-punctuation", "vocab", "vocab", (('r"([.,()!?])"', 'r"([.,()!?]+)"'),), "not in the catalogue")
    found = [d for d in causes.likely_causes(by_key("vocab"), bugs_in_memory(runs), shipped) if d.certain]
    assert [d.id.partition(":")[0] for d in found] == ["tokens"], [d.id for d in found]
    assert "where the rules give" in found[0].message


def test_two_bugs_the_probes_cannot_tell_apart_are_neither_named(shipped):
    """A catalogue bug and a copy of it under another name: the learner with that bug is told neither."""
    mutant = next(m for m in MUTANTS if m.exercise == "attention")
    doubled = copy.deepcopy(shipped)
    bugs = doubled["attention"]["bugs"]
    bugs.append({**next(b for b in bugs if b["id"] == mutant.id), "id": "twin", "hint": "another story"})
    assert causes.likely_causes(by_key("attention"), bugs_in_memory(mutant), doubled) == []


def test_an_exercise_whose_earlier_exercise_is_wrong_gets_no_cause(shipped):
    """A classifier bug with an attention bug under it: Exercise 7 is not diagnosed, Exercise 4 is."""
    classifier_bug = next(m for m in MUTANTS if m.exercise == "classifier" and m.module == "classifier")
    attention_bug = next(m for m in MUTANTS if m.exercise == "attention")
    package = bugs_in_memory(classifier_bug, attention_bug)
    assert causes.likely_causes(by_key("classifier"), package, shipped) == []
    assert [d.id for d in causes.likely_causes(by_key("attention"), package, shipped)] == [attention_bug.id]


def test_code_that_does_not_import_or_a_missing_file_gives_no_cause_and_no_error(tmp_path):
    """A syntax error in the learner's module, or no causes.pt.gz: no cause, and the run goes on."""
    package = write_package(tmp_path / "broken_pkg")
    (package / "attention.py").write_text("def attention_weights(X:\n")
    sys.path.insert(0, str(tmp_path))
    try:
        assert causes.find([by_key("attention"), by_key("qkv")], "broken_pkg") == []
    finally:
        sys.path.remove(str(tmp_path))
    assert causes.find([by_key("attention")], "solutions", tmp_path / "missing.pt.gz") == []


def test_a_probe_that_raises_gives_the_exception_as_its_result():
    """Whatever the code under test raises (even SystemExit) is the probe's result: class names and message."""
    def leaves(code):
        raise SystemExit("bye")

    assert run(Probe("vocab", "leaves", leaves), "solutions") == {"raised": ["SystemExit", "BaseException", "object"], "message": "bye"}
    looped: list = []
    looped.append(looped)
    assert "unsupported" in str(plain(looped))


def test_every_probe_has_an_exercise_of_the_catalogue_and_a_unique_id():
    """Probe ids are exercise.name, unique; every exercise has probes."""
    ids = [p.id for p in all_probes()]
    assert len(ids) == len(set(ids))
    assert {p.exercise for p in all_probes()} == {e.key for e in EXERCISES}


def test_the_tutor_diagnoses_only_exercises_failing_on_their_own():
    """Not started, done, or failing because of an earlier exercise: no cause is looked for."""
    tutor = Tutor("solutions")
    tutor.progress.update({"attention": Progress(passed=10), "qkv": Progress(not_started=10), "classifier": Progress(passed=3, failed=1, blocked_by={"Exercise 6"})})
    assert tutor.cause_lines(80) == []


@pytest.mark.parametrize("mutant", SAMPLE, ids=lambda m: m.id)
def test_pytest_exercises_prints_the_bugs_hint_as_its_likely_cause(mutant, tmp_path):
    """`pytest exercises --impl <reference with one bug>`: "Likely cause: <its hint>" under the table, within 80 columns."""
    write_package(tmp_path / "buggy", mutant)
    result = subprocess.run([sys.executable, "-m", "pytest", "exercises", "--impl", "buggy", "-p", "no:cacheprovider"],
                            cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(tmp_path), "COLUMNS": "80"})
    exercise = by_key(mutant.exercise)
    row = next(line for line in result.stdout.splitlines() if f" {exercise.title} " in line)
    assert "failing" in row, f"the visible tests do not catch {mutant.id}, so no cause is looked for: sample another bug\n{row}"
    assert f"{exercise.label}. Likely cause: {words(mutant.hint)}" in words(result.stdout), result.stdout[-3000:]
    cause = result.stdout[result.stdout.index(f"{exercise.label}. Likely cause:") - 2:].split("\n=")[0].splitlines()
    assert max(len(line) for line in cause) <= 80 and words(result.stdout).count("Likely cause") == 1, cause
