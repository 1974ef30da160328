"""The autograder: fair to correct code, sharp on every catalogued bug, robust to hostile submissions."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import build
from grader.checks import Impl, all_checks
from exercises.diagnosis import explains, touched
from grader.classroom import grade_class
from grader.grade import Grader, Limits, Report, load_points
from grader.mutants import load_mutants, write_package
from grader.report import feedback_markdown
from tests.conftest import stubs, submission

ROOT = Path(__file__).resolve().parent.parent
FULL = {"vocab": 10, "padding": 10, "embedding": 10, "attention": 20, "positional": 10, "qkv": 20, "classifier": 20, "sinusoidal": 5}


def scores(report: Report) -> dict[str, int]:
    return {key: got for key, (got, _) in report.by_exercise.items()}


# --- points and checks -------------------------------------------------------------------------


def test_points_are_declared_once_for_every_check_and_add_up():
    """points.toml names every check exactly once; exercises 1-7 total 100, the bonus 5."""
    points = load_points(all_checks())
    assert sum(v for k, v in points.items() if not k.startswith("sinusoidal.")) == 100
    assert sum(v for k, v in points.items() if k.startswith("sinusoidal.")) == 5


def test_points_file_out_of_step_with_the_checks_is_an_error(tmp_path):
    """A check without points, or points for a missing check, stops the grader."""
    text = (ROOT / "grader" / "points.toml").read_text().replace("tokenize_tricky_text = 2", "tokenize_renamed = 2")
    (tmp_path / "points.toml").write_text(text)
    with pytest.raises(ValueError, match="tokenize_tricky_text"):
        load_points(all_checks(), tmp_path / "points.toml")


def test_every_check_passes_on_the_reference_and_fails_on_the_stubs(grader):
    """The reference gets every point in-process; every check of the stubs reports 'not started'."""
    results = grader.score(grader.outcomes_in_process(Impl("solutions")))
    assert all(r.passed for r in results)
    stubs = grader.score(grader.outcomes_in_process(Impl("exercises")))
    assert not any(r.passed for r in stubs)
    assert all("not started" in r.message for r in stubs)


def test_independent_implementation_scores_full_marks_in_process(grader):
    """Code written from the docstrings alone, in another style, gets every point."""
    results = grader.score(grader.outcomes_in_process(Impl("tests.independent.exercises")))
    assert [r.test for r in results if not r.passed] == []


def test_a_fault_of_the_diagnosis_costs_no_points(grader, monkeypatch, capsys):
    """Should the diagnosis raise, the submission keeps its score, gets no cause, and the log says why."""
    import grader.grade as grade

    def broken(*args, **kwargs):
        raise RuntimeError("Double did not match Float")

    monkeypatch.setattr(grade, "diagnose", broken)
    outcomes = grader.outcomes_in_process(Impl("tests.independent.exercises"))
    outcomes["attention.worked_example_weights"] = type(outcomes["attention.worked_example_weights"])(value=None)
    report = grader.report("broken diagnosis", outcomes)
    assert scores(report)["attention"] < FULL["attention"] and scores(report)["vocab"] == FULL["vocab"]
    assert report.diagnoses == [] and report.problem is None
    assert "the diagnosis of attention failed" in capsys.readouterr().err


# --- the catalogue of bugs ---------------------------------------------------------------------


def test_catalogue_has_at_least_40_bugs_spread_over_every_exercise():
    """Over 40 mutants, each exercise and the bonus with at least two; ids unique."""
    mutants = load_mutants()
    assert len(mutants) >= 40 and len({m.id for m in mutants}) == len(mutants)
    for key in FULL:
        assert sum(m.exercise == key for m in mutants) >= 2, key


@pytest.fixture(scope="module")
def mutant_reports(grader, tmp_path_factory) -> dict[str, Report]:
    """Every mutant graded in-process (trusted code: they are edits of the reference)."""
    folder = tmp_path_factory.mktemp("mutants")
    sys.path.insert(0, str(folder))
    reports = {}
    for index, mutant in enumerate(load_mutants()):
        write_package(folder / f"mutant_{index}", mutant)
        impl = Impl(f"mutant_{index}")
        reports[mutant.id] = grader.report(mutant.id, grader.outcomes_in_process(impl), grader.in_process(impl))
    yield reports
    sys.path.remove(str(folder))


@pytest.mark.parametrize("mutant", load_mutants(), ids=lambda m: m.id)
def test_every_mutant_loses_points_in_its_exercise_only_and_is_named(mutant, mutant_reports):
    """Each bug costs points in its own exercise, none elsewhere, and the feedback names it.

    Except a bug whose every failure is a torch error raised inside the code: that error is no
    evidence for one bug rather than another, so the feedback reports it as what the code raised
    (and names it as the cause when its line is one of the learner's own and tells the mistake).
    """
    report = mutant_reports[mutant.id]
    got = scores(report)
    assert got[mutant.exercise] < FULL[mutant.exercise]
    assert report.score < 100 if mutant.exercise != "sinusoidal" else report.bonus < 5
    assert {k: v for k, v in got.items() if k != mutant.exercise} == {k: v for k, v in FULL.items() if k != mutant.exercise}
    mine = [d for d in report.diagnoses if d.exercise == mutant.exercise]
    crashed_only = mine and all(d.id.startswith("crash: ") for d in mine)  # a fact, or a crash named on its own line
    assert mutant.hint in feedback_markdown(report) or crashed_only, [d.id for d in mine]


def test_nearly_every_catalogued_bug_is_named_by_the_grader(mutant_reports):
    """At most 3% of the catalogue is reported only as a crash (listed on failure).

    Six bugs are: every check they fail ends in a torch shape error, which is no evidence for one bug over another.
    """
    unnamed = [m.id for m in load_mutants() if m.hint not in feedback_markdown(mutant_reports[m.id])]
    assert len(unnamed) <= 0.03 * len(load_mutants()), unnamed


@pytest.mark.parametrize("bug, root", [
    ("no-scaling", "attention_weights"), ("naive-softmax", "masked_softmax"), ("weights-transposed", None),
    ("self-attention-ignores-mask", None), ("mean-over-padding", "pool_tokens"), ("post-norm", "TransformerBlock"),
    ("no-final-norm", None), ("heads-plain-reshape", None),
])
def test_fix_first_names_the_called_function_that_the_failures_come_from(bug, root, mutant_reports):
    """The root is the function whose correct version cures failures of its callers; a bug in the caller itself has none."""
    assert [r.function for r in mutant_reports[bug].roots] == ([root] if root else [])


def test_feedback_never_shows_solution_code(mutant_reports):
    """No line of a marked solution body appears in any mutant's feedback, except a line of the learner's own code that raised.

    A mutant is the reference with one edit, so the line of "your code" that raised is a reference
    line here; for a learner it is their own.
    """
    solution_lines = set().union(*(build.secret_lines(path.read_text()) for path in (ROOT / "solutions").glob("*.py")))
    for report in mutant_reports.values():
        text = "\n".join(line for line in feedback_markdown(report).splitlines() if not line.startswith("**Your code raised:**"))
        assert not [line for line in solution_lines if line in text]


def test_mutant_edits_must_match_the_reference_exactly_once():
    """A catalogue entry whose text is not in the reference is an error, not a silent no-op."""
    mutant = load_mutants()[0]
    broken = type(mutant)(mutant.id, mutant.exercise, mutant.module, (("no such line", "x"),), mutant.hint)
    with pytest.raises(ValueError, match="occurs 0 times"):
        broken.source()


# --- whole submissions, sandboxed ---------------------------------------------------------------

TROUBLE = {
    "vocab": """
_tokenize = tokenize
def tokenize(text):
    while text == "":  # an endless loop on one input
        pass
    return _tokenize(text)
""",
    "padding": """
import torch
_pad = pad_sequences
def pad_sequences(seqs, max_len=None, pad_id=0):
    hoard = []
    while max_len == 20:  # runaway memory on one input
        hoard.append(torch.empty(2**28, dtype=torch.uint8))
    return _pad(seqs, max_len, pad_id)
""",
    "embedding": """
import sys
_lookup = embedding_lookup
def embedding_lookup(ids, weight):
    for i in range(20000):  # a flood of output
        print("debug", i, "x" * 50)
        print("warning", i, file=sys.stderr)
    return _lookup(ids, weight)
""",
    "attention": """
_forward = SelfAttention.forward
def _exiting_forward(self, x, mask=None):
    if self.heads == 3:  # end the grading process on one input
        import os
        os._exit(3)
    return _forward(self, x, mask)
SelfAttention.forward = _exiting_forward
""",
    "positional": """
def sinusoidal_encoding(max_len, k):
    from solutions.positional import sinusoidal_encoding as reference
    return reference(max_len, k)

_forward = PositionalEmbedding.forward
def _peeking_forward(self, x):
    import grader.checks
    return _forward(self, x)
PositionalEmbedding.forward = _peeking_forward
""",
    "classifier": """
_forward = TransformerClassifier.forward
def _crashing_forward(self, ids):
    if self.head.out_features == 3:  # a segmentation fault on one input
        import faulthandler
        faulthandler._sigsegv()
    return _forward(self, ids)
TransformerClassifier.forward = _crashing_forward
""",
}


# A wrong masked_softmax makes attention_weights and self_attention fail; self_attention
# also prints where its masked_softmax comes from, to show whether a stand-in is ever seen.
CHAINED = """
def masked_softmax(scores, key_mask=None):
    if key_mask is None:
        return scores.softmax(dim=-1)
    return scores.masked_fill(~key_mask, 0.0).softmax(dim=-1)
_self_attention = self_attention
def self_attention(X, mask=None):
    print("softmax from", masked_softmax.__code__.co_filename)
    return _self_attention(X, mask)
"""


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """Ten submissions graded together, two at a time: every kind of trouble in one class."""
    root = tmp_path_factory.mktemp("class")
    subs = {
        "reference": submission(root / "reference"),
        "stubs": stubs(root / "stubs"),
        "independent": ROOT / "tests" / "independent",
        "import_errors": submission(root / "import_errors", append={
            "vocab": "raise RuntimeError('oops at import')",
            "embedding": "while True:\n    pass",
        }),
        "broken_files": submission(root / "broken_files", append={"attention": "def broken(:\n    pass"}, replace={"padding": None}),
        "trouble": submission(root / "trouble", append=TROUBLE),
        "chained": submission(root / "chained", append={"attention": CHAINED}),
    }
    zipped = root / "alice.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for path in (root / "reference" / "exercises").glob("*.py"):
            archive.write(path, f"alice-work/exercises/{path.name}")
    subs["alice"] = zipped
    escaping = root / "mallory.zip"
    shutil.copy(zipped, escaping)
    with zipfile.ZipFile(escaping, "a") as archive:
        archive.writestr("alice-work/exercises/../../escaped.py", "print('outside')")
    subs["mallory"] = escaping
    (root / "notes.txt").write_text("not a submission")
    subs["notes"] = root / "notes.txt"
    out = root / "grades"
    limits = Limits(check_seconds=10, import_seconds=10, submission_seconds=150)
    reports = grade_class(list(subs.values()), out, jobs=2, grader=Grader(limits), progress=False)
    return {r.submission: r for r in reports}, out, root


def test_class_grades_have_exactly_the_points_each_submission_earned(graded_class):
    """Full marks, zero, and the exact partial scores of broken and misbehaving submissions."""
    reports, out, _ = graded_class
    expected = {
        "reference": FULL,
        "stubs": dict.fromkeys(FULL, 0),
        "independent": FULL,
        "import_errors": {**FULL, "vocab": 0, "embedding": 0},
        "broken_files": {**FULL, "padding": 0, "attention": 0, "qkv": 0, "classifier": 0},
        "trouble": {**FULL, "vocab": 8, "padding": 8, "positional": 1, "qkv": 17, "classifier": 19, "sinusoidal": 0},
        "chained": {**FULL, "attention": 9},
        "alice": FULL,
        "mallory": dict.fromkeys(FULL, 0),
        "notes.txt": dict.fromkeys(FULL, 0),
    }
    assert {name: scores(report) for name, report in reports.items()} == expected
    rows = list(csv.DictReader(open(out / "grades.csv")))
    assert [r["submission"] for r in rows] == list(reports)
    assert list(rows[0]) == ["submission", "score", "max_score", *FULL]
    assert (rows[0]["score"], rows[0]["max_score"], rows[0]["sinusoidal"]) == ("100", "100", "5")  # the bonus is extra
    assert {r["submission"]: int(r["score"]) for r in rows} == {name: sum(v for k, v in e.items() if k != "sinusoidal") for name, e in expected.items()}


def test_each_problem_gets_a_clear_message(graded_class):
    """Messages say what went wrong: import error, syntax error, missing file, time limit, crash, refusal."""
    reports, out, _ = graded_class

    def messages(name: str, exercise: str) -> str:
        data = json.loads((out / name / "results.json").read_text())
        return " ".join(t["message"] for t in data["tests"] if t["exercise"] == exercise and not t["passed"])

    assert "oops at import" in messages("import_errors", "vocab")
    assert "importing exercises/embedding.py stopped after the time limit of 10 s" in messages("import_errors", "embedding")
    assert "SyntaxError" in messages("broken_files", "attention")
    assert "No module named 'exercises.padding'" in messages("broken_files", "padding")
    assert "time limit of 10 s" in messages("trouble", "vocab")
    assert "allocate memory" in messages("trouble", "padding")
    assert "exit code 3" in messages("trouble", "qkv")
    assert "SIGSEGV" in messages("trouble", "classifier")
    assert "No module named 'solutions'" in messages("trouble", "sinusoidal")
    assert "No module named 'grader'" in messages("trouble", "positional")
    assert "neither a folder nor a .zip" in reports["notes.txt"].problem
    assert "leaves the archive" in reports["mallory"].problem


def test_a_failure_that_comes_from_a_called_function_says_fix_it_first(graded_class):
    """A wrong masked_softmax is named as the root, its callers' failures are not listed, and the re-runs' output is never shown."""
    reports, out, _ = graded_class
    root = json.loads((out / "chained" / "results.json").read_text())["fix_first"]
    assert [(r["exercise"], r["function"]) for r in root] == [("attention", "masked_softmax")] and root[0]["hidden"]
    feedback = (out / "chained" / "feedback.md").read_text()
    section = feedback.split("## Exercise 4")[1].split("## Exercise 5")[0]
    assert section.count("**Fix `masked_softmax` first:**") == 1 and "self_attention with a mask" not in section
    assert "softmax from /submission/exercises/attention.py" in feedback and "stand-in" not in feedback
    assert not any(r.roots for name, r in reports.items() if name != "chained")


def test_output_floods_are_capped(graded_class):
    """A submission that prints megabytes keeps only the first 20 kB, and its checks still count."""
    reports, _, _ = graded_class
    assert len(reports["trouble"].output) <= 20_000
    assert scores(reports["trouble"])["embedding"] == 10


def test_feedback_files_name_scores_and_hints(graded_class):
    """feedback.md gives each exercise's score; not-started exercises get one line; hidden probes never appear."""
    reports, out, _ = graded_class
    feedback = (out / "broken_files" / "feedback.md").read_text()
    assert "## Exercise 4: self-attention — 0 / 20" in feedback and "## Exercise 1: tokens and vocabulary — 10 / 10" in feedback
    assert "Not started: vocab.py still raises NotImplementedError" in (out / "stubs" / "feedback.md").read_text()
    for name in reports:
        text = (out / name / "feedback.md").read_text()
        assert "def " not in text and "impl." not in text and "randn(" not in text


def test_regrading_resumes_and_force_grades_again(graded_class, tmp_path):
    """A second run skips what was graded from the same files; a changed file or --force grades again."""
    reports, out, root = graded_class
    grader = Grader()
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    before = (copy / "reference" / "results.json").stat().st_mtime_ns
    again = grade_class([root / "reference", root / "stubs"], copy, jobs=2, grader=grader, progress=False)
    assert [r.score for r in again] == [100, 0] and (copy / "reference" / "results.json").stat().st_mtime_ns == before
    (root / "stubs" / "exercises" / "vocab.py").write_text((ROOT / "solutions" / "vocab.py").read_text())
    again = grade_class([root / "reference", root / "stubs"], copy, jobs=2, grader=grader, progress=False)
    assert scores(again[1])["vocab"] == 10 and (copy / "reference" / "results.json").stat().st_mtime_ns == before
    grade_class([root / "reference"], copy, grader=grader, force=True, progress=False)
    assert (copy / "reference" / "results.json").stat().st_mtime_ns != before


def test_grade_command_exits_0_whatever_the_scores(tmp_path):
    """`python -m grader grade` completes with status 0 and prints one line per submission."""
    result = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(stubs(tmp_path / "mine")), str(tmp_path / "missing.zip"), "--out", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "missing" in result.stdout and (tmp_path / "out" / "grades.csv").is_file()


def test_grade_command_refuses_bad_numbers(tmp_path):
    """--jobs 0 is refused with a message naming the flag and the value."""
    result = subprocess.run([sys.executable, "-m", "grader", "grade", str(tmp_path), "--out", str(tmp_path / "o"), "--jobs", "0"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "--jobs must be positive, got 0" in result.stderr


def _zip_with(path: Path, member: zipfile.ZipInfo | None = None, patch=None) -> Path:
    """A zip of the reference's exercises, plus ``member`` (empty), its bytes passed through ``patch``."""
    with zipfile.ZipFile(path, "w") as archive:
        for module in ("vocab", "padding"):
            archive.writestr(f"exercises/{module}.py", (ROOT / "solutions" / f"{module}.py").read_text())
        if member is not None:
            archive.writestr(member, b"")
    if patch:
        path.write_bytes(patch(path.read_bytes()))
    return path


def _member(name: str, **attributes) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    for key, value in attributes.items():
        setattr(info, key, value)
    return info


def _encrypted(data: bytes) -> bytes:
    at = data.rindex(b"PK\x01\x02")  # the last central directory entry: its flags are at offset 8, bit 0 is encryption
    return data[:at + 8] + bytes([data[at + 8] | 1]) + data[at + 9:]


def _unknown_compression(data: bytes) -> bytes:
    at = data.index(b"PK\x01\x02")  # the first central directory entry: its method is at offset 10
    return data[:at + 10] + (99).to_bytes(2, "little") + data[at + 12:]


@pytest.mark.parametrize("make, says", [
    (lambda d: _zip_with(d / "s.zip", _member("exercises/link.py", external_attr=0o120777 << 16)), "symbolic link"),
    (lambda d: _zip_with(d / "e.zip", _member("exercises/secret.py"), patch=_encrypted), "encrypted"),
    (lambda d: _zip_with(d / "c.zip", patch=_unknown_compression), "unknown compression"),
    (lambda d: _zip_with(d / "a.zip", _member("/etc/passwd")), "leaves the archive"),
    (lambda d: _zip_with(d / "b.zip", patch=lambda data: data + b"\0" * 21_000_000), "larger than 20 MB"),
], ids=["zip-symlink", "zip-encrypted", "zip-compression", "zip-absolute", "zip-huge"])
def test_submissions_that_cannot_be_trusted_are_refused_with_a_reason(make, says, tmp_path):
    """Each kind of bad zip is refused before anything in it is read, with a message that says what is wrong."""
    from grader.submission import SubmissionError, read

    with pytest.raises(SubmissionError, match=says):
        read(make(tmp_path))


def test_folders_with_links_or_too_many_files_are_refused(tmp_path):
    """A hard link, a symlinked exercises/ folder and a folder of 2,001 files are refused, each with its reason."""
    from grader.submission import SubmissionError, read

    hard = stubs(tmp_path / "hard")
    (hard / "exercises" / "copy.py").hardlink_to(hard / "exercises" / "vocab.py")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "exercises").symlink_to(ROOT / "solutions")
    crowded = stubs(tmp_path / "crowded")
    for index in range(2001):
        (crowded / f"note{index}.txt").touch()
    for folder, says in ((hard, "hard link"), (linked, "symbolic link"), (crowded, "more than 2000 files")):
        with pytest.raises(SubmissionError, match=says):
            read(folder)


def test_no_diagnosis_names_a_bug_the_submission_does_not_have(grader, mutant_reports):
    """Every cause named for a catalogued bug is that bug, or one whose every prediction the bug bears out."""
    mutants = {m.id: m for m in load_mutants()}
    checks = {c.id: c for c in grader.checks}
    for bug, report in mutant_reports.items():
        for diagnosis in report.diagnoses:
            if diagnosis.certain and diagnosis.kind == "cause" and diagnosis.id in mutants and diagnosis.id != bug:
                ours, theirs = grader._results_of(mutants[bug]), grader._results_of(mutants[diagnosis.id])
                predicted = touched([checks[key] for key in theirs], grader.expected, theirs)
                assert mutants[diagnosis.id].exercise == mutants[bug].exercise and predicted and all(
                    explains(grader.expected[key], theirs[key], ours[key], checks[key]) for key in predicted), (bug, diagnosis.id)


def test_no_two_bugs_of_the_catalogue_are_indistinguishable(grader):
    """Two hypotheses with the same results on every check could never be told apart: one of the two names would be a guess."""
    checks = {c.id: c for c in grader.checks}
    mutants = load_mutants()
    twins = []
    for index, first in enumerate(mutants):
        for second in mutants[index + 1:]:
            if first.exercise == second.exercise:
                ours, theirs = grader._results_of(first), grader._results_of(second)
                if all(explains(grader.expected[k], ours[k], theirs[k], checks[k]) for k in ours):
                    twins.append((first.id, second.id))
    assert not twins


def test_exceptions_explain_each_other_only_with_the_same_type_and_message():
    """A RuntimeError from .view is not explained by another RuntimeError; numbers in the message may differ."""
    check = all_checks()[0]
    expected = ["a", "b"]
    view = {"raised": ["RuntimeError"], "message": "view size is not compatible with input tensor's size and stride (3, 1)"}
    other = {"raised": ["RuntimeError"], "message": "mat1 and mat2 shapes cannot be multiplied (5x8 and 4x4)"}
    assert explains(expected, view, {**view, "message": view["message"].replace("(3, 1)", "(6, 2)")}, check)
    assert not explains(expected, other, view, check)
    assert not explains(expected, {"raised": ["ValueError"], "message": view["message"]}, view, check)


def test_a_correct_error_in_the_learners_own_words_does_not_hide_their_bug():
    """Where the learner raises the right exception with their own message, only the type must agree; the wrong parts must match."""
    check = all_checks()[0]
    expected = [{"raised": ["ValueError", "Exception"], "message": "max_len must be at least 1, got 0"}, ["a", "b"]]
    hypothesis = [{"raised": ["ValueError", "Exception"], "message": "max_len must be at least 1, got 0"}, ["a"]]
    learner = [{"raised": ["ValueError", "Exception"], "message": "bad max_len"}, ["a"]]
    assert explains(expected, hypothesis, learner, check)
    assert not explains(expected, hypothesis, [learner[0], ["b"]], check)


def test_feedback_leads_with_the_cause_and_lists_each_problem_once(mutant_reports):
    """The named cause comes first, kept apart in results.json; no long floats, no tabs, no repeated lines."""
    from grader.report import results_json

    report = mutant_reports["softmax-over-columns"]
    hint = next(m.hint for m in load_mutants() if m.id == "softmax-over-columns")
    assert {"exercise": "attention", "id": "softmax-over-columns", "message": hint} in results_json(report)["diagnoses"]
    section = feedback_markdown(report).split("## Exercise 4")[1].split("## Exercise 5")[0]
    assert section.index("**Likely cause:**") < section.index("- (")
    lines = [line for line in section.splitlines() if line.startswith("- (")]
    assert len(lines) == len(set(lines)) and not any(re.search(r"\d\.\d{5}", line) or "\t" in line for line in lines)


def test_a_folder_nested_thousands_deep_is_refused_not_a_crash(tmp_path):
    """A submission whose folders nest 1,500 deep is refused with a message, like any other bad submission."""
    import os

    from grader.submission import SubmissionError, read

    deep = stubs(tmp_path / "deep")
    folders = [os.open(deep, os.O_RDONLY)]
    try:
        for _ in range(1500):
            os.mkdir("d", dir_fd=folders[-1])
            folders.append(os.open("d", os.O_RDONLY, dir_fd=folders[-1]))
        with pytest.raises(SubmissionError, match="too deeply|more than 2000"):
            read(deep)
    finally:  # remove it bottom-up: pytest's own clean-up recurses and would fail on it
        for parent, child in zip(reversed(folders[:-1]), reversed(folders[1:])):
            os.close(child)
            os.rmdir("d", dir_fd=parent)
        os.close(folders[0])
