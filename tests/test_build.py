"""The stubs in exercises/ are generated from the marked reference and give nothing away."""

import ast
import importlib
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

from exercises.catalogue import EXERCISES, TOOL_MODULES, exercise_modules, generated_modules
from grader import build


def test_checked_in_stubs_match_what_build_writes():
    """`python -m grader build` would change nothing (run it after editing solutions/)."""
    assert build.stale() == []


def test_build_check_command_reports_a_stale_stub(repo_copy, root):
    """--check exits 1 and names the file when a stub was edited by hand."""
    result = subprocess.run([sys.executable, "-m", "grader", "build", "--check"], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert build.stale(repo_copy) == []
    (repo_copy / "exercises" / "padding.py").write_text("# edited by hand\n")
    assert build.stale(repo_copy) == ["exercises/padding.py"]


def test_an_edited_bug_catalogue_makes_the_shipped_causes_stale(repo_copy):
    """A hint changed in grader/mutants.toml flags causes.pt.gz until `build` writes it again."""
    catalogue = repo_copy / "grader" / "mutants.toml"
    catalogue.write_text(catalogue.read_text().replace('hint = "', 'hint = "edited: ', 1))
    assert build.stale(repo_copy) == ["exercises/tests/causes.pt.gz"]
    build.build(repo_copy)
    assert build.stale(repo_copy) == []


def functions(source: str) -> dict[str, ast.FunctionDef]:
    return dict(build._functions(ast.parse(source)))


@pytest.mark.parametrize("module", exercise_modules())
def test_stubs_keep_every_signature_docstring_and_import(module, root):
    """Same functions, arguments, annotations, docstrings and imports as the reference."""
    reference = (root / "solutions" / f"{module}.py").read_text()
    stub = (root / "exercises" / f"{module}.py").read_text()
    ours, theirs = functions(reference), functions(stub)
    assert ours.keys() - {name for name in ours if "." in name and name.rsplit(".", 1)[0] in ours} <= theirs.keys()
    for name, function in theirs.items():
        assert ast.dump(function.args) == ast.dump(ours[name].args), name
        assert ast.dump(function.returns) == ast.dump(ours[name].returns) if function.returns else ours[name].returns is None
        assert ast.get_docstring(function) == ast.get_docstring(ours[name]), name
    imports = [ast.dump(n) for n in ast.parse(reference).body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert imports == [ast.dump(n) for n in ast.parse(stub).body if isinstance(n, (ast.Import, ast.ImportFrom))]


@pytest.mark.parametrize("module", exercise_modules())
def test_stub_bodies_give_no_solution_line_away(module, root):
    """No line of a marked solution body survives in the stub."""
    secrets = build.secret_lines((root / "solutions" / f"{module}.py").read_text())
    stub_lines = {line.strip() for line in (root / "exercises" / f"{module}.py").read_text().splitlines()}
    assert secrets & stub_lines == set()


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.key)
def test_each_target_raises_its_exercise_message(exercise):
    """Calling a stub raises NotImplementedError("Exercise N (name): what it does")."""
    module = importlib.import_module(f"exercises.{exercise.module}")
    for target in exercise.targets:
        owner, _, method = target.partition(".")
        function = getattr(getattr(module, owner), method) if method else getattr(module, owner)
        source = ast.parse(importlib.import_module("inspect").getsource(module))
        stub = dict(build._functions(source))[target]
        raised = stub.body[-1]
        assert isinstance(raised, ast.Raise), target
        message = raised.exc.args[0].value
        assert message.startswith(f"{exercise.label} ({target}): ") and len(message) > len(target) + 20
        assert callable(function)


def test_markers_must_pair_up_inside_functions():
    """An unmatched or stray marker is an error naming its line."""
    with pytest.raises(ValueError, match=":3: ### BEGIN SOLUTION without"):
        build.solution_regions("def f():\n    '''doc'''\n    ### BEGIN SOLUTION\n    return 1\n")
    with pytest.raises(ValueError, match=":1: a solution region must be inside a function"):
        build.solution_regions("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n")
    with pytest.raises(ValueError, match=":2: ### END SOLUTION without"):
        build.solution_regions("x = 1\n### END SOLUTION\n")


def test_exercises_holds_the_exercise_modules_and_the_generated_tools(root):
    """exercises/ holds the exercise modules, their helpers and the tools (data, train, predict, explain), all generated."""
    assert {p.stem for p in (root / "exercises").glob("*.py")} == {*generated_modules(), "__init__", "catalogue", "tutor", "comparison", "diagnosis", "differences", "notebook", "causes"}
    assert not set(TOOL_MODULES) & set(exercise_modules()), "the grader loads exercise_modules(); the tools are not graded"


@pytest.mark.parametrize("module", TOOL_MODULES)
def test_tools_are_copied_as_they_are_and_import_their_package_relatively(module, root):
    """exercises/train.py (etc.) is solutions/train.py, whose imports of the kit are relative: it runs the package it sits in."""
    source = (root / "solutions" / f"{module}.py").read_text()
    assert (root / "exercises" / f"{module}.py").read_text() == source
    absolute = [n for n in ast.walk(ast.parse(source)) if isinstance(n, (ast.Import, ast.ImportFrom))
                and any(name.split(".")[0] in ("solutions", "exercises") for name in
                        ([a.name for a in n.names] if isinstance(n, ast.Import) else [n.module or ""]))]
    assert not absolute, [ast.unparse(n) for n in absolute]


def test_visible_tests_never_import_solutions(root):
    """The learner's tests get the code under test from --impl only."""
    for path in (root / "exercises" / "tests").glob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+solutions", path.read_text(), re.M), path


def test_catalogue_points_add_up_to_100():
    """Exercises 1-7 share 100 points; the bonus is extra."""
    assert sum(e.points for e in EXERCISES if e.number != "bonus") == 100
    assert [e.number for e in EXERCISES] == [1, 2, 3, 4, 5, 6, 7, "bonus"]


def test_fresh_clone_reports_every_exercise_not_started_on_one_80_column_screen(root, tmp_path):
    """`pytest exercises` on the stubs: every test fails as not started, one table line per exercise, nothing wider than 80."""
    junit = tmp_path / "junit.xml"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "exercises", "-p", "no:cacheprovider", f"--junitxml={junit}"],
        cwd=root, capture_output=True, text=True, env={**os.environ, "COLUMNS": "80"},
    )
    assert result.returncode == 1, result.stdout
    cases = ElementTree.parse(junit).getroot().iter("testcase")
    messages = [(case.get("name"), [f.get("message") for f in case if f.tag in ("failure", "error")]) for case in cases]
    assert len(messages) > 50
    for name, failures in messages:
        assert len(failures) == 1 and re.search(r"(Exercise \d|Bonus)", failures[0]), (name, failures)
    output = result.stdout.splitlines()
    assert len(output) <= 30, "\n".join(output)
    assert "Traceback" not in result.stdout and "NotImplementedError" not in result.stdout
    table = output[next(i for i, line in enumerate(output) if " your exercises " in line):]
    assert max(map(len, table)) <= 80, "\n".join(table)  # pytest's own junit line names a long temporary path
    for exercise in EXERCISES:
        line = next(line for line in output if f" {exercise.title} " in line)
        assert line.endswith("not started"), line
    assert "check it with pytest exercises -m vocab" in " ".join(line.strip() for line in output)
