"""The held-out bug catalogue is well formed: every bug applies and compiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from exercises.catalogue import EXERCISES
from tests.heldout import apply, load_bugs

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
BUGS = load_bugs()


def test_catalogue_has_at_least_three_bugs_per_exercise():
    """Every exercise, the bonus included, has at least three held-out bugs."""
    counts = {e.key: sum(b["exercise"] == e.key for b in BUGS) for e in EXERCISES}
    assert all(n >= 3 for n in counts.values()), counts


def test_each_bug_names_an_exercise_in_its_module():
    """A bug's exercise is one of the catalogue's, and lives in the module the bug edits."""
    modules = {e.key: e.module for e in EXERCISES}
    wrong = [b["id"] for b in BUGS if modules.get(b["exercise"]) != b["module"]]
    assert not wrong


@pytest.mark.parametrize("bug", BUGS, ids=[b["id"] for b in BUGS])
def test_every_edit_applies_exactly_once(bug):
    """Each find text occurs exactly once, and the edits change the module."""
    source = apply(bug, SOLUTIONS)
    assert source != (SOLUTIONS / f"{bug['module']}.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("bug", BUGS, ids=[b["id"] for b in BUGS])
def test_every_edited_module_compiles(bug):
    """The edited module is valid Python, as a learner's file usually is."""
    compile(apply(bug, SOLUTIONS), f"{bug['module']}.py", "exec")


def test_apply_names_the_bug_when_a_find_text_is_missing():
    """A find text that does not occur raises ValueError naming the bug."""
    bug = {"id": "no-such-text", "module": "vocab", "edits": [["this text is not in vocab.py", ""]]}
    with pytest.raises(ValueError, match="no-such-text"):
        apply(bug, SOLUTIONS)


def test_every_judgement_is_of_a_catalogued_bug_and_cause():
    """A verdict in judgements.toml pairs a bug of bugs.toml with a cause of the grader's catalogue, and says whether it is correct."""
    from grader.mutants import load_mutants
    from tests.heldout.measure import load_judgements

    judgements = load_judgements()
    assert {bug for bug, _ in judgements} <= {b["id"] for b in BUGS}
    assert {cause for _, cause in judgements} <= {m.id for m in load_mutants()}
    assert all(isinstance(j.get("correct"), bool) for j in judgements.values())


def test_causes_are_read_from_the_exercise_diagnoses_and_near_misses():
    """Named causes come first, then the ones offered as "possibly"; other exercises add none."""
    from tests.heldout.measure import causes_of

    results = {"diagnoses": [{"exercise": "qkv", "id": "a", "message": "first"}, {"exercise": "vocab", "id": "b", "message": "elsewhere"}],
               "possible_causes": [{"exercise": "qkv", "id": "c", "message": "maybe"}]}
    assert causes_of(results, "qkv") == [("a", "first", True), ("c", "maybe", False)]
