"""The notebook route: its check cells are the visible tests, its figures say what they show.

The course notebook is executed in a real Jupyter kernel twice: with the
reference answers (every check passes, every figure is labelled and its
caption is true) and with catalogued bugs (each check cell fails with the
messages `pytest exercises` gives for the same bug).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from exercises.catalogue import EXERCISES
from grader import nbcourse
from grader.mutants import Mutant, load_mutants, write_package

ROOT = Path(__file__).resolve().parent.parent
# Bugs the notebook's old, hand-written checks let through or explained wrongly.
BUGS = ("no-scaling", "heads-plain-reshape")
# An error raised inside the learner's embedding_lookup (a matrix product of the wrong shapes).
CRASH = ("    return weight[ids.long()]  #", "    return weight[ids.long()] @ weight  #")

# Run first: records every figure plt.show() displays, as plain data.
RECORDER = '''
import matplotlib.pyplot as _plt
from matplotlib.container import BarContainer as _Bars

_figures, _show = [], _plt.show


def _visible(handle, ax):
    """Whether a legend entry's artist can be seen: bars not all flat, a line with a marker or a stroke."""
    low, high = ax.get_ylim()
    if isinstance(handle, _Bars):
        return bool(max(abs(bar.get_height()) for bar in handle) > 0.01 * (high - low))
    return bool(handle.get_visible() and (handle.get_marker() not in ("None", "", None) or handle.get_linestyle() not in ("None", "")))


def _describe(ax):
    handles, labels = ax.get_legend_handles_labels()
    return {"colorbar": hasattr(ax, "_colorbar"), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
            "legend": {label: _visible(h, ax) for h, label in zip(handles, labels)} if ax.get_legend() else {}}


def _recording_show(*args, **kwargs):
    _figures.extend([_describe(ax) for ax in _plt.figure(n).axes] for n in _plt.get_fignums())
    return _show(*args, **kwargs)


_plt.show = _recording_show
'''

# Run last, after the reference: the figures, and what their captions claim, measured.
FACTS = '''
import json
the = [i for i, word in enumerate(first) if word == "the"]
shown = attention_weights(vectors)[0]
print(json.dumps({
    "figures": _figures,
    "the": len(the),
    "the_rows_identical": all(torch.allclose(shown[i], shown[the[0]]) for i in the),
    "the_weight_on_the": shown[the[0], the].tolist(),
    "others_attend_most_to_themselves": all(int(shown[i].argmax()) == i for i in range(len(first)) if i not in the),
    "without_positions": plain.abs().max().item(),
    "with_positions": placed.min().item(),
    "first_pair_sign_changes_in_7": bool((table[:7, 0].sign().diff() != 0).any()),
    "last_pair_range": (table[:, -2:].max(0).values - table[:, -2:].min(0).values).max().item(),
}))
'''

# Run last, after the bugs: the notebook route's own results, for comparison with pytest's.
RESULTS = '''
import json
from exercises.notebook import visible_results
print(json.dumps({key: {r.name: r.message for r in visible_results([key], globals())[0] if r.message} for key in ("attention", "qkv")}))
'''


def by_id(nb) -> dict:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def stubbed(source: str) -> str:
    """An answer cell as nbgrader's release has it: every marked body replaced by the stub."""
    return re.sub(r"( *)### BEGIN SOLUTION\n.*?### END SOLUTION", r"\1# YOUR CODE HERE\n\1raise NotImplementedError()", source, flags=re.S)


def executed(edits: dict[str, list[tuple[str, str]]], last: str, folder: Path, stub: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """The course notebook run in a fresh kernel: answer cells edited (or stubbed), hidden cells left out, errors kept as outputs."""
    nb = nbcourse.notebook()
    nb.cells = [c for c in nb.cells if not (c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution"))]
    for gid, cell in by_id(nb).items():
        for find, replace in edits.get(gid, []):
            assert find in cell.source, (gid, find)
            cell.source = cell.source.replace(find, replace)
        if gid in stub:
            cell.source = stubbed(cell.source)
    nb.cells = [nbformat.v4.new_code_cell(RECORDER), *nb.cells, nbformat.v4.new_code_cell(last)]
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def stdout(cell) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def errors(cell) -> list:
    return [o for o in cell.outputs if o.output_type == "error"]


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    """The notebook with the reference answers, and the facts its last cell measured."""
    nb = executed({}, FACTS, tmp_path_factory.mktemp("reference"))
    return nb, json.loads(stdout(nb.cells[-1]))


@pytest.fixture(scope="module")
def buggy_run(tmp_path_factory):
    """The notebook with the two bugs in its answers, a crash in Exercise 3 and the bonus not started."""
    mutants = {m.id: m for m in load_mutants()}
    edits = {"attention_code": list(mutants[BUGS[0]].edits), "qkv_code": list(mutants[BUGS[1]].edits), "embedding_code": [CRASH]}
    nb = executed(edits, RESULTS, tmp_path_factory.mktemp("buggy"), stub=("sinusoidal_code",))
    return nb, json.loads(stdout(nb.cells[-1]))


@pytest.fixture(scope="module")
def pytest_on_the_same_bugs(tmp_path_factory) -> str:
    """The output of `pytest exercises -m "attention or qkv"` on a package with the same two bugs."""
    mutants = {m.id: m for m in load_mutants()}
    both = Mutant("notebook-bugs", "attention", "attention", mutants[BUGS[0]].edits + mutants[BUGS[1]].edits, "")
    folder = tmp_path_factory.mktemp("package")
    write_package(folder / "buggy", both)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "exercises", "--impl", "buggy", "-m", "attention or qkv", "-q", "-rf", "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, env={"PYTHONPATH": str(folder), "COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_first_cell_says_the_notebook_is_a_separate_route_from_the_files():
    """The notebook's first cell tells a learner it is a route of its own, apart from exercises/*.py."""
    first = nbcourse.notebook().cells[0]
    assert first.cell_type == "markdown"
    assert "separate from the files `exercises/*.py`" in " ".join(first.source.split())


def test_every_exercise_has_a_check_cell_that_runs_its_visible_tests():
    """Each exercise, the bonus included, has a locked check cell that runs `pytest exercises -m KEY` and asserts nothing itself."""
    cells = by_id(nbcourse.notebook())
    for exercise in EXERCISES:
        cell = cells[f"{exercise.key}_checks"]
        assert cell.metadata["nbgrader"] == {"grade": False, "grade_id": f"{exercise.key}_checks", "locked": True, "schema_version": 3, "solution": False}
        assert f'run_visible_tests("{exercise.key}", globals())' in cell.source
        assert "assert" not in cell.source, "a check cell runs the visible tests, never checks of its own"


def test_the_bonus_is_called_extra_points_as_in_the_points_table():
    """The bonus section gives the catalogue's bonus points as extra points, never "not graded"."""
    bonus = next(e for e in EXERCISES if e.number == "bonus")
    text = " ".join(c.source for c in nbcourse.notebook().cells if c.cell_type == "markdown" and "## Bonus" in c.source)
    assert f"({bonus.points} extra points)" in text and f"`0/{bonus.points}`" in text
    assert "not graded" not in text.lower() and "ungraded" not in text.lower()


def test_with_the_reference_every_check_cell_passes_and_no_cell_fails(reference_run):
    """Every check cell prints that all of its exercise's visible tests pass; no cell raises."""
    nb, _ = reference_run
    assert not [o for c in nb.cells if c.cell_type == "code" for o in errors(c)]
    cells = by_id(nb)
    for exercise in EXERCISES:
        assert re.fullmatch(rf"{exercise.label}, {exercise.title}: all \d+ visible tests pass \(the tests of `{exercise.command}`\)\.\n",
                            stdout(cells[f"{exercise.key}_checks"])), stdout(cells[f"{exercise.key}_checks"])


def test_every_figure_has_labelled_axes_and_labelled_colourbars(reference_run):
    """Each plot of each figure has an x and a y label; each colourbar has a label; every legend entry matches something visible."""
    nb, facts = reference_run
    figures = [c for c in nb.cells if c.cell_type == "code" and any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert len(facts["figures"]) == len(figures) == 3
    for axes in facts["figures"]:
        for ax in axes:
            if ax["colorbar"]:
                assert ax["ylabel"] or ax["xlabel"], f"a colourbar without a label: {axes}"
            else:
                assert ax["xlabel"] and ax["ylabel"], f"a plot without axis labels: {ax}"
            assert all(ax["legend"].values()), f"a legend entry matches nothing visible: {ax['legend']}"


def test_captions_say_what_the_figures_show(reference_run):
    """The attention map has four "the"s sharing their weight, the shuffle chart is zero only without positions, the sinusoids slow down."""
    nb, facts = reference_run
    cells = nb.cells
    caption = cells[next(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "attention_figure") - 1].source
    assert facts["the"] == 4 and '"The" occurs four times' in caption
    assert facts["the_rows_identical"] and facts["others_attend_most_to_themselves"]
    assert max(facts["the_weight_on_the"]) - min(facts["the_weight_on_the"]) < 1e-6 and sum(facts["the_weight_on_the"]) > 0.5
    assert facts["without_positions"] < 1e-5 < 0.1 < facts["with_positions"]
    assert facts["first_pair_sign_changes_in_7"] and facts["last_pair_range"] < 0.05


def test_check_cells_fail_with_the_messages_of_pytest_exercises(buggy_run, pytest_on_the_same_bugs):
    """No 1/sqrt(k) and a plain-reshape head split fail the same tests with the same messages as `pytest exercises`."""
    nb, results = buggy_run
    cells = by_id(nb)
    failed_in_pytest = set(re.findall(r"^FAILED \S+::(\S+)", pytest_on_the_same_bugs, re.M))
    assert failed_in_pytest == set(results["attention"]) | set(results["qkv"])
    for key in ("attention", "qkv"):
        [error] = errors(cells[f"{key}_checks"])
        for name, message in results[key].items():
            assert f"- {name}: " in error.evalue and message in error.evalue.replace("\n    ", "\n"), name
            for line in filter(None, map(str.strip, message.splitlines())):
                assert line in pytest_on_the_same_bugs, line
    assert "these are the weights of softmax(X X^T): divide the scores by sqrt(k) before the softmax" in results["attention"].values()
    assert any("a plain reshape to (b, heads, t, s) mixes the words" in m for m in results["qkv"].values())


def test_a_failing_check_cell_shows_its_messages_without_a_traceback(buggy_run):
    """The error a check cell raises renders as its message alone, not a stack of the kit's frames."""
    nb, _ = buggy_run
    [error] = errors(by_id(nb)["attention_checks"])
    assert error.ename == "VisibleTestsFailed" and error.traceback == [f"VisibleTestsFailed: {error.evalue}"]


def test_an_error_raised_in_an_answer_cell_names_its_line_and_statement(buggy_run):
    """A crash inside the learner's embedding_lookup reads as one message with the cell's line and statement."""
    nb, _ = buggy_run
    [error] = errors(by_id(nb)["embedding_checks"])
    assert "your code raised RuntimeError: " in error.evalue
    assert re.search(r"at line \d+ of its cell, in embedding_lookup: return weight\[ids.long\(\)\] @ weight", error.evalue), error.evalue


def test_a_stub_of_the_release_reads_as_not_started(buggy_run):
    """nbgrader's bare `raise NotImplementedError()` reads as "not started", naming what to write."""
    nb, _ = buggy_run
    [error] = errors(by_id(nb)["sinusoidal_checks"])
    assert error.evalue == "Bonus, sinusoidal encoding: not started. Write sinusoidal_encoding in its answer cell above, run that cell, then this one."
