"""The held-out bug catalogues are well formed: every bug applies and compiles.

Every catalogue, ``bugs.toml``, ``fresh.toml``, ``fresh2.toml``, ``fresh3.toml`` to ``fresh11.toml``, gets the
same checks; no two may make the same edit.
"""

from __future__ import annotations

import ast
import json
from itertools import combinations
from pathlib import Path

import pytest

from exercises.catalogue import EXERCISES
from tests.heldout import CATALOGUE, CATALOGUES, FRESH, apply, load_bugs

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
BUGS = load_bugs()
FRESH_BUGS = load_bugs(FRESH)
BY_CATALOGUE = {path.name: load_bugs(path) for path in CATALOGUES}
EVERY_BUG = [(name, bug) for name, bugs in BY_CATALOGUE.items() for bug in bugs]
EVERY_BUG_IDS = [f"{name}:{bug['id']}" for name, bug in EVERY_BUG]


def squeeze(source: str) -> str:
    """The source's syntax tree: two sources that differ only in layout or comments are the same bug.

    (Deleting whitespace would not do: ``" "`` and ``""`` are different strings.)
    """
    return ast.dump(ast.parse(source))


@pytest.mark.parametrize("name", list(BY_CATALOGUE))
def test_catalogue_has_at_least_three_bugs_per_exercise(name):
    """Every exercise, the bonus included, has at least three held-out bugs in each catalogue."""
    counts = {e.key: sum(b["exercise"] == e.key for b in BY_CATALOGUE[name]) for e in EXERCISES}
    assert all(n >= 3 for n in counts.values()), counts


@pytest.mark.parametrize("name", list(BY_CATALOGUE))
def test_each_bug_names_an_exercise_in_its_module(name):
    """A bug's exercise is one of the catalogue's, and lives in the module the bug edits."""
    modules = {e.key: e.module for e in EXERCISES}
    wrong = [b["id"] for b in BY_CATALOGUE[name] if modules.get(b["exercise"]) != b["module"]]
    assert not wrong


@pytest.mark.parametrize(("name", "bug"), EVERY_BUG, ids=EVERY_BUG_IDS)
def test_every_edit_applies_exactly_once(name, bug):
    """Each find text occurs exactly once, and the edits change the module."""
    source = apply(bug, SOLUTIONS)
    assert source != (SOLUTIONS / f"{bug['module']}.py").read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "bug"), EVERY_BUG, ids=EVERY_BUG_IDS)
def test_every_edited_module_compiles(name, bug):
    """The edited module is valid Python, as a learner's file usually is."""
    compile(apply(bug, SOLUTIONS), f"{bug['module']}.py", "exec")


CATALOGUE_PAIRS = list(combinations(BY_CATALOGUE, 2))
PAIR_IDS = [f"{a}-{b}" for a, b in CATALOGUE_PAIRS]


def test_every_catalogue_is_checked_against_the_others():
    """Every catalogue file beside bugs.toml is listed, so the pairwise checks below cover each pair."""
    listed = {path.name for path in CATALOGUES}
    assert listed == {path.name for path in CATALOGUE.parent.glob("*.toml") if not path.stem.endswith("judgements")}
    assert len(CATALOGUE_PAIRS) == len(CATALOGUES) * (len(CATALOGUES) - 1) // 2


@pytest.mark.parametrize(("first", "second"), CATALOGUE_PAIRS, ids=PAIR_IDS)
def test_no_bug_id_is_in_two_catalogues(first, second):
    """An id names one bug: no two catalogues share an id."""
    assert not {b["id"] for b in BY_CATALOGUE[first]} & {b["id"] for b in BY_CATALOGUE[second]}


@pytest.mark.parametrize(("first", "second"), CATALOGUE_PAIRS, ids=PAIR_IDS)
def test_no_catalogue_repeats_another_catalogues_bugs(first, second):
    """No bug of a later catalogue edits its module into the same source as a bug of an earlier one (layout and comments aside)."""
    earlier = {(b["module"], squeeze(apply(b, SOLUTIONS))): b["id"] for b in BY_CATALOGUE[first]}
    again = {
        b["id"]: earlier[key]
        for b in BY_CATALOGUE[second]
        if (key := (b["module"], squeeze(apply(b, SOLUTIONS)))) in earlier
    }
    assert again == {key: value for key, value in KNOWN_REPEATS.items() if key in again}, again
    assert not set(again) - set(KNOWN_REPEATS), again


# fresh11.toml was written at the same time as fresh10.toml (and fresh13.toml as fresh12.toml), and they may
# share a classic mistake with an earlier catalogue: in its simplest form, two authors wrote the very same edit.
# Both were measured as written; these are the only repeats allowed.
KNOWN_REPEATS = {"mask-nonzero-ids-as-tokens": "mask-nonzero-ids-via-bool", "pos-table-initialised-to-zeros": "pos-table-zero-initialised",
                 "mask-true-at-the-padding": "mask-eq-marks-the-padding"}


def test_no_two_bugs_of_a_catalogue_give_the_same_source():
    """Within each catalogue, every bug is a different edit (layout and comments aside)."""
    for name, bugs in BY_CATALOGUE.items():
        seen: dict[tuple[str, str], str] = {}
        for bug in bugs:
            key = (bug["module"], squeeze(apply(bug, SOLUTIONS)))
            assert key not in seen, f"{name}: {bug['id']} repeats {seen[key]}"
            seen[key] = bug["id"]


def test_load_bugs_takes_a_path(tmp_path):
    """load_bugs reads the catalogue it is given (a Path or a str), bugs.toml by default."""
    catalogue = tmp_path / "mine.toml"
    catalogue.write_text(
        '[[bug]]\nid = "x"\nexercise = "vocab"\nmodule = "vocab"\nedits = [["a", "b"]]\ncause = "c"\n', encoding="utf-8"
    )
    assert [b["id"] for b in load_bugs(catalogue)] == ["x"] == [b["id"] for b in load_bugs(str(catalogue))]
    assert [b["id"] for b in load_bugs()] == [b["id"] for b in load_bugs(CATALOGUE)]


def test_apply_names_the_bug_when_a_find_text_is_missing():
    """A find text that does not occur raises ValueError naming the bug."""
    bug = {"id": "no-such-text", "module": "vocab", "edits": [["this text is not in vocab.py", ""]]}
    with pytest.raises(ValueError, match="no-such-text"):
        apply(bug, SOLUTIONS)


# The causes the grader gives besides its catalogue's bugs: a documented error not raised, a check that rejects a
# valid input, an exception in the learner's code, and the differences seen in the results.
OTHER_CAUSES = ("raises: ", "rejects: ", "crash: ", "layout: ", "tokens: ", "vocabulary: ", "form: ")


def test_every_judgement_is_of_a_catalogued_bug_and_cause():
    """A verdict in judgements.toml pairs a bug of bugs.toml with a cause the grader can give, and says whether it is correct."""
    from grader.mutants import load_mutants
    from tests.heldout.measure import load_judgements

    judgements = load_judgements()
    assert {bug for bug, _ in judgements} <= {b["id"] for b in BUGS}
    known = {m.id for m in load_mutants()}
    assert all(cause in known or cause.startswith(OTHER_CAUSES) for _, cause in judgements)
    assert all(isinstance(j.get("correct"), bool) and isinstance(j.get("wrong", False), bool) for j in judgements.values())


def test_each_catalogue_has_its_own_judgements_file():
    """bugs.toml keeps judgements.toml; another catalogue's verdicts live beside it as <name>-judgements.toml."""
    from tests.heldout.measure import JUDGEMENTS, judgements_for

    assert judgements_for(CATALOGUE) == JUDGEMENTS
    for catalogue in CATALOGUES[1:]:
        assert judgements_for(catalogue) == catalogue.with_name(f"{catalogue.stem}-judgements.toml")


@pytest.mark.parametrize("catalogue", CATALOGUES[1:], ids=lambda path: path.name)
def test_fresh_judgements_if_any_are_of_fresh_bugs(catalogue):
    """A verdict in <name>-judgements.toml (once a person writes one) pairs a bug of <name>.toml with a cause the grader can give:
    a bug of its catalogue, a documented error not raised ("raises: CALL"), a check that rejects a valid input ("rejects: ...")
    an exception in the learner's code ("crash: ..."), or a difference seen in the results (``OTHER_CAUSES``)."""
    from grader.mutants import load_mutants
    from tests.heldout.measure import judgements_for, load_judgements

    judgements = load_judgements(judgements_for(catalogue))
    assert {bug for bug, _ in judgements} <= {b["id"] for b in load_bugs(catalogue)}
    known = {m.id for m in load_mutants()}
    assert all(cause in known or cause.startswith(OTHER_CAUSES) for _, cause in judgements)
    assert all(isinstance(j.get("correct"), bool) and isinstance(j.get("wrong", False), bool) for j in judgements.values())


def test_tabulate_reads_the_catalogue_it_is_given(tmp_path):
    """With --bugs, the table's rows are the bugs of that catalogue; --tabulate-only finds the catalogue the run recorded."""
    from tests.heldout.measure import recorded_catalogue, tabulate

    bug = FRESH_BUGS[0]
    (tmp_path / "visible.json").write_text(json.dumps({bug["id"]: False}), encoding="utf-8")
    (tmp_path / "catalogue.json").write_text(json.dumps({"bugs": str(FRESH)}), encoding="utf-8")
    grades = tmp_path / "grades" / bug["id"]
    grades.mkdir(parents=True)
    score = {"points": 0, "max_points": 10}
    (grades / "results.json").write_text(json.dumps({"exercises": {bug["exercise"]: score}}), encoding="utf-8")
    assert recorded_catalogue(tmp_path) == FRESH
    (row,) = tabulate(tmp_path, FRESH)
    assert (row["id"], row["lost"], row["hints"], row["visible"]) == (bug["id"], True, [], False)
    assert tabulate(tmp_path, CATALOGUE) == []


def test_causes_are_read_from_the_exercise_diagnoses_and_near_misses():
    """Named causes come first, then the ones offered as "possibly"; other exercises add none."""
    from tests.heldout.measure import causes_of

    results = {"diagnoses": [{"exercise": "qkv", "id": "a", "message": "first"}, {"exercise": "vocab", "id": "b", "message": "elsewhere"}],
               "possible_causes": [{"exercise": "qkv", "id": "c", "message": "maybe"}]}
    assert causes_of(results, "qkv") == [("a", "first", True), ("c", "maybe", False)]
