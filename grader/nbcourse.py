"""The nbgrader course: its source notebook, generated from a jupytext template and the marked reference, and nbgrader runs on it.

The template, ``course/transformer.nb.py``, is a jupytext "percent" script: the
explanation, the checks, the figures and the nbgrader metadata of every cell.
A line ``# %include attention: masked_softmax attention_weights`` in it is
replaced by those definitions of ``solutions/attention.py``, solution markers
included, so the notebook's answers are the reference's, never a copy kept
by hand. ``python -m grader build`` writes the result to
``course/source/transformer/transformer.ipynb``. (The hidden test cells run
``grader.notebook``.)
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jupytext
import nbformat

from .build import ROOT, solution_regions

COURSE = ROOT / "grader" / "course"
TEMPLATE = COURSE / "transformer.nb.py"
NOTEBOOK = COURSE / "source" / "transformer" / "transformer.ipynb"
INCLUDE = re.compile(r"^# %include (\w+): (.+)$", re.MULTILINE)


def definitions(module: str, solutions: Path = ROOT / "solutions") -> dict[str, str]:
    """The source of every top-level function, class and assignment of a module, by name.

    A definition's text runs to the ``### END SOLUTION`` of its last marked
    body (a comment the syntax tree does not count as part of it).
    """
    source = (solutions / f"{module}.py").read_text(encoding="utf-8")
    lines = source.splitlines()
    ends = [r.end for r in solution_regions(source)]
    body = ast.parse(source).body
    found: dict[str, str] = {}
    for index, node in enumerate(body):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [n.id for target in node.targets for n in ast.walk(target) if isinstance(n, ast.Name)]
        else:
            continue
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        following = body[index + 1].lineno - 1 if index + 1 < len(body) else len(lines)
        last = max([node.end_lineno - 1] + [end for end in ends if first <= end < following])
        for name in names:
            found[name] = "\n".join(lines[first : last + 1])
    return found


def expand(template: str, solutions: Path = ROOT / "solutions") -> str:
    """The template with every ``# %include`` line replaced by the named definitions."""

    def include(match: re.Match) -> str:
        module, names = match.group(1), match.group(2).split()
        available = definitions(module, solutions)
        missing = [n for n in names if n not in available]
        if missing:
            raise ValueError(f"{TEMPLATE.name}: solutions/{module}.py defines no {missing}")
        return "\n\n\n".join(dict.fromkeys(available[n] for n in names))

    return INCLUDE.sub(include, template)


def notebook(template: Path = TEMPLATE) -> nbformat.NotebookNode:
    """The source notebook, with stable cell ids so that regenerating it changes nothing."""
    nb = jupytext.reads(expand(template.read_text(encoding="utf-8")), fmt="py:percent")
    nb.metadata.pop("jupytext", None)
    nb.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(nb.cells):
        cell.id = cell.metadata.get("nbgrader", {}).get("grade_id", f"cell-{index}")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.validate(nb)
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write(path: Path = NOTEBOOK) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(notebook()), encoding="utf-8")
    return path


def stale(path: Path = NOTEBOOK) -> bool:
    """True when the checked-in notebook differs from what ``write`` would produce."""
    return not path.is_file() or path.read_text(encoding="utf-8") != render(notebook())


def nbgrader(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run an nbgrader command in a course folder, with this environment's tools on the PATH (nbgrader calls alembic)."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result


def generated_course(target: Path) -> Path:
    """A scratch copy of the course at ``target``, after ``nbgrader generate_assignment``: ``release/transformer/`` holds the students' notebook.

    Only the course's own files are copied, never an instructor's local
    gradebook, submissions or feedback.
    """
    shutil.copytree(COURSE, target, ignore=shutil.ignore_patterns("*.nb.py", "__pycache__", "gradebook.db", "release", "submitted", "autograded", "feedback"))
    nbgrader("generate_assignment", "transformer", "--create", cwd=target)
    return target


def release_notebooks(target: Path) -> list[Path]:
    """The students' notebooks, copied into ``target``."""
    with tempfile.TemporaryDirectory() as tmp:
        course = generated_course(Path(tmp) / "course")
        target.mkdir(parents=True, exist_ok=True)
        return [Path(shutil.copy(notebook, target)) for notebook in sorted((course / "release" / "transformer").glob("*.ipynb"))]
