"""The autograder: fair to correct code, sharp on every catalogued bug, robust to hostile submissions."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from grader import build
from grader.checks import Impl, all_checks
from grader.grade import Grader, Limits, Report, feedback_markdown, grade_class, load_points
from grader.mutants import load_mutants, write_package

ROOT = Path(__file__).resolve().parent.parent
FULL = {"vocab": 10, "padding": 10, "embedding": 10, "attention": 20, "positional": 10, "qkv": 20, "classifier": 20, "sinusoidal": 5}


@pytest.fixture(scope="module")
def grader() -> Grader:
    return Grader()


def submission(folder: Path, append: dict[str, str] | None = None, replace: dict[str, str | None] | None = None) -> Path:
    """A learner's folder: the reference's modules, with code appended to some and others replaced (None: deleted)."""
    package = write_package(folder / "exercises")
    for module, code in (append or {}).items():
        with open(package / f"{module}.py", "a") as handle:
            handle.write("\n" + textwrap.dedent(code))
    for module, source in (replace or {}).items():
        if source is None:
            (package / f"{module}.py").unlink()
        else:
            (package / f"{module}.py").write_text(textwrap.dedent(source))
    return folder


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
    text = (ROOT / "grader" / "points.toml").read_text().replace("tokenize_tricky_text = 3", "tokenize_renamed = 3")
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
        outcomes = grader.outcomes_in_process(Impl(f"mutant_{index}"))
        reports[mutant.id] = Report(mutant.id, grader.score(outcomes))
    yield reports
    sys.path.remove(str(folder))


@pytest.mark.parametrize("mutant", load_mutants(), ids=lambda m: m.id)
def test_every_mutant_loses_points_in_its_exercise_only_and_is_named(mutant, mutant_reports):
    """Each bug costs points in its own exercise, none elsewhere, and the feedback names it."""
    report = mutant_reports[mutant.id]
    got = scores(report)
    assert got[mutant.exercise] < FULL[mutant.exercise]
    assert report.score < 100 if mutant.exercise != "sinusoidal" else report.bonus < 5
    assert {k: v for k, v in got.items() if k != mutant.exercise} == {k: v for k, v in FULL.items() if k != mutant.exercise}
    assert mutant.hint in feedback_markdown(report)


def test_feedback_never_shows_solution_code(mutant_reports):
    """No line of a marked solution body appears in any mutant's feedback."""
    solution_lines = set().union(*(build.secret_lines(path.read_text()) for path in (ROOT / "solutions").glob("*.py")))
    for report in mutant_reports.values():
        text = feedback_markdown(report)
        assert not [line for line in solution_lines if line in text]


def test_mutant_edits_must_match_the_reference_exactly_once():
    """A catalogue entry whose text is not in the reference is an error, not a silent no-op."""
    mutant = load_mutants()[0]
    broken = type(mutant)(mutant.id, mutant.exercise, mutant.module, (("no such line", "x"),), mutant.hint)
    with pytest.raises(ValueError, match="occurs 0 times"):
        broken.source()


# --- whole submissions, sandboxed ---------------------------------------------------------------

HOSTILE_IMPORT = """
import os, socket, subprocess
import pytest
import torch.testing

# Try to defeat the grader at import time; record what happened.
torch.testing.assert_close = lambda *args, **kwargs: None
pytest.approx = lambda *args, **kwargs: True
BLOCKED = []
for attempt in (
    lambda: open("{root}/solutions/attention.py").read(),
    lambda: __import__("solutions.attention"),
    lambda: __import__("grader.checks"),
    lambda: open("{root}/grader/points.toml", "a").write("[vocab]\\ntokenize_tricky_text = 100\\n"),
    lambda: open("/tmp/grades.csv", "w").write("me,100,100"),
    lambda: subprocess.run(["cat", "{root}/solutions/vocab.py"]),
    lambda: os.system("echo hi"),
    lambda: socket.create_connection(("example.com", 80), timeout=1),
):
    try:
        attempt()
        BLOCKED.append("ALLOWED")
    except PermissionError as error:
        BLOCKED.append("blocked")
print("hostile import attempts:", BLOCKED)
"""

HOSTILE_FUNCTIONS = {
    "vocab": HOSTILE_IMPORT + """
_tokenize = tokenize
def tokenize(text):
    while text == "":  # an endless loop on one input
        pass
    return _tokenize(text)
""",
    "padding": """
_pad = pad_sequences
def pad_sequences(seqs, max_len=None, pad_id=0):
    hoard = []
    while max_len == 20:  # runaway memory on one input
        hoard.append(bytearray(2**28))
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
import torch
_softmax = masked_softmax
def masked_softmax(scores, key_mask=None):
    for i in range(100):  # forge result files of the checks still to come
        try:
            torch.save(torch.ones(1), f"out/{i}.pt")
        except Exception:
            pass
    return _softmax(scores, key_mask)

_forward = SelfAttention.forward
def _exiting_forward(self, x, mask=None):
    if self.heads == 3:  # kill the grading process on one input
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


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """Eight submissions graded together, two at a time: every kind of trouble in one class."""
    root = tmp_path_factory.mktemp("class")
    subs = {
        "reference": submission(root / "reference"),
        "stubs": ROOT,
        "independent": ROOT / "tests" / "independent",
        "import_errors": submission(root / "import_errors", append={
            "vocab": "raise RuntimeError('oops at import')",
            "embedding": "while True:\n    pass",
        }),
        "broken_files": submission(root / "broken_files", append={"attention": "def broken(:\n    pass"}, replace={"padding": None}),
        "hostile": submission(root / "hostile", append={m: code.replace("{root}", str(ROOT)) for m, code in HOSTILE_FUNCTIONS.items()}),
    }
    zipped = root / "alice.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for path in (root / "reference" / "exercises").glob("*.py"):
            archive.write(path, f"alice-work/exercises/{path.name}")
        archive.writestr("../escaped.py", "print('outside')")
        archive.writestr("alice-work/exercises/../../escaped2.py", "print('outside')")
    subs["alice"] = zipped
    (root / "notes.txt").write_text("not a submission")
    subs["notes"] = root / "notes.txt"
    out = root / "grades"
    limits = Limits(check_seconds=3, import_seconds=5, submission_seconds=120)
    points_before = (ROOT / "grader" / "points.toml").read_text()
    reports = grade_class(list(subs.values()), out, jobs=2, limits=limits, progress=False)
    assert (ROOT / "grader" / "points.toml").read_text() == points_before
    return {r.submission: r for r in reports}, out, root


def test_class_grades_have_exactly_the_points_each_submission_earned(graded_class):
    """Full marks, zero, and the exact partial scores of broken and hostile submissions."""
    reports, out, _ = graded_class
    expected = {
        "reference": FULL,
        "main": dict.fromkeys(FULL, 0),
        "independent": FULL,
        "import_errors": {**FULL, "vocab": 0, "embedding": 0},
        "broken_files": {**FULL, "padding": 0, "attention": 0, "qkv": 0, "classifier": 0},
        "hostile": {**FULL, "vocab": 7, "padding": 8, "positional": 1, "qkv": 16, "classifier": 19, "sinusoidal": 0},
        "alice": FULL,
        "notes.txt": dict.fromkeys(FULL, 0),
    }
    stubs = ROOT.resolve().name
    expected[stubs] = expected.pop("main")
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
    assert "took more than 5 s" in messages("import_errors", "embedding")
    assert "SyntaxError" in messages("broken_files", "attention")
    assert "No module named 'exercises.padding'" in messages("broken_files", "padding")
    assert "time limit of 3 s" in messages("hostile", "vocab")
    assert "MemoryError" in messages("hostile", "padding")
    assert "exit code 3" in messages("hostile", "qkv")
    assert "SIGSEGV" in messages("hostile", "classifier")
    assert "not allowed while grading: importing solutions" in messages("hostile", "sinusoidal")
    assert "not allowed while grading: importing grader" in messages("hostile", "positional")
    assert "neither a folder nor a .zip" in reports["notes.txt"].problem


def test_hostile_attempts_were_all_blocked(graded_class):
    """Reading the reference, importing it or the grader, writing files, processes and sockets: all refused."""
    reports, _, root = graded_class
    assert "hostile import attempts: ['blocked', 'blocked', 'blocked', 'blocked', 'blocked', 'blocked', 'blocked', 'blocked']" in reports["hostile"].output
    assert not Path("/tmp/grades.csv").exists() or "me,100" not in Path("/tmp/grades.csv").read_text()
    assert not (root / "escaped.py").exists() and not (root.parent / "escaped.py").exists()


def test_output_floods_are_capped(graded_class):
    """A submission that prints megabytes keeps only the first 20 kB, and its checks still count."""
    reports, _, _ = graded_class
    assert len(reports["hostile"].output) <= 20_000
    assert scores(reports["hostile"])["embedding"] == 10


def test_feedback_files_name_scores_and_hints(graded_class):
    """feedback.md gives each exercise's score; not-started exercises get one line; hidden probes never appear."""
    reports, out, _ = graded_class
    feedback = (out / "broken_files" / "feedback.md").read_text()
    assert "## Exercise 4: self-attention — 0 / 20" in feedback and "## Exercise 1: tokens and vocabulary — 10 / 10" in feedback
    stubs = (out / ROOT.resolve().name / "feedback.md").read_text()
    assert "Not started: vocab.py still raises NotImplementedError" in stubs
    for name in reports:
        text = (out / name / "feedback.md").read_text()
        assert "def " not in text and "impl." not in text and "randn(" not in text


def test_grade_command_exits_0_whatever_the_scores(tmp_path):
    """`python -m grader grade` completes with status 0 and prints one line per submission."""
    result = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(ROOT), str(tmp_path / "missing.zip"), "--out", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "missing" in result.stdout and (tmp_path / "out" / "grades.csv").is_file()
