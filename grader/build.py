"""Generate the learners' stubs in ``exercises/`` from the reference in ``solutions/``.

The reference marks every body a learner writes with nbgrader's markers::

    def attention_weights(X, mask=None):
        \"\"\"The weight matrix of self-attention ...\"\"\"
        ### BEGIN SOLUTION
        ...
        ### END SOLUTION

and ``exercises/catalogue.py`` says which exercise each marked function
belongs to. A stub is the reference module with every marked region replaced
by one line, ``raise NotImplementedError("Exercise 4 (attention_weights): ...")``:
the signatures, type hints, docstrings, imports and given helpers stay.
The given helpers (``GIVEN_MODULES``) and the tools that train, run and
explain a model (``TOOL_MODULES``: data, train, predict, explain) are copied
as they are: their relative imports run the learner's own classes.

It also writes ``exercises/tests/causes.pt.gz``, the catalogued bugs' results
on the visible probes (``causes.py``), from the same reference and
``grader/mutants.toml``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from exercises.catalogue import EXERCISES, GIVEN_MODULES, TOOL_MODULES, Exercise, generated_modules

from . import causes

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
ROOT = Path(__file__).resolve().parent.parent

HEADER = """\
# Your copy of the exercises in this module: replace each `raise NotImplementedError(...)`
# with your code, then run the tests named in its message. (Generated from the
# reference by `python -m grader build`; the docstrings are your specification.)
"""


@dataclass(frozen=True)
class Region:
    """One marked body: lines ``begin`` to ``end`` (0-based, markers included)."""

    qualname: str
    begin: int
    end: int
    indent: str
    summary: str


def _functions(tree: ast.Module) -> list[tuple[str, ast.FunctionDef]]:
    """Every function and method of a module with its qualified name, ``Class.method``."""
    found = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((prefix + child.name, child))
                visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")

    visit(tree, "")
    return found


def solution_regions(source: str, name: str = "<source>") -> list[Region]:
    """The marked regions of a module, each tied to the function that holds it.

    Raises:
        ValueError: for a marker without its partner or outside a function.
    """
    lines = source.splitlines()
    functions = _functions(ast.parse(source, name))
    regions = []
    begin = None
    for index, line in enumerate(lines):
        marker = line.strip()
        if marker == BEGIN:
            if begin is not None:
                raise ValueError(f"{name}:{index + 1}: {BEGIN} inside another solution region")
            begin = index
        elif marker == END:
            if begin is None:
                raise ValueError(f"{name}:{index + 1}: {END} without {BEGIN}")
            # The innermost function around the region is the one with the latest start.
            holders = [(q, f) for q, f in functions if f.lineno <= begin + 1 <= f.end_lineno]
            if not holders:
                raise ValueError(f"{name}:{begin + 1}: a solution region must be inside a function")
            qualname, function = max(holders, key=lambda item: item[1].lineno)
            doc = ast.get_docstring(function) or qualname
            indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
            summary = doc.split("\n\n")[0].replace("\n", " ").replace("``", "")
            regions.append(Region(qualname, begin, index, indent, summary))
            begin = None
    if begin is not None:
        raise ValueError(f"{name}:{begin + 1}: {BEGIN} without {END}")
    return regions


def secret_lines(source: str, min_length: int = 12) -> set[str]:
    """The stripped lines of a module's marked bodies that its given code does not also contain.

    These must never reach a learner: not in a stub, a release or feedback.
    """
    lines = source.splitlines()
    regions = solution_regions(source)
    inside = {i for r in regions for i in range(r.begin + 1, r.end)}
    given = {line.strip() for i, line in enumerate(lines) if i not in inside}
    return {
        lines[i].strip() for i in inside
        if len(lines[i].strip()) >= min_length and not lines[i].strip().startswith("#") and lines[i].strip() not in given
    }


def _owners(module: str) -> dict[str, Exercise]:
    return {target: e for e in EXERCISES if e.module == module for target in e.targets}


def not_started_message(exercise: Exercise, qualname: str, summary: str) -> str:
    """The message of a stub's ``NotImplementedError``: which exercise, which function, what it does."""
    return f"{exercise.label} ({qualname}): {summary}"


def stub_source(module: str, solutions_dir: Path = ROOT / "solutions") -> str:
    """The ``exercises/`` version of ``solutions/<module>.py``.

    Raises:
        ValueError: if the marked regions and the catalogue disagree.
    """
    path = solutions_dir / f"{module}.py"
    source = path.read_text(encoding="utf-8")
    if module in GIVEN_MODULES or module in TOOL_MODULES:
        return source
    regions = solution_regions(source, str(path))
    owners = _owners(module)
    marked = [r.qualname for r in regions]
    if sorted(marked) != sorted(owners):
        raise ValueError(
            f"{path}: marked regions {sorted(marked)} differ from the catalogue's targets {sorted(owners)}"
        )
    lines = source.splitlines()
    for region in reversed(regions):
        message = not_started_message(owners[region.qualname], region.qualname, region.summary)
        lines[region.begin : region.end + 1] = [f"{region.indent}raise NotImplementedError({message!r})"]
    return HEADER + "\n".join(lines) + "\n"


def build(root: Path = ROOT) -> list[Path]:
    """Write every stub into ``root/exercises``, and the bugs' results on the visible probes; return the paths written."""
    written = []
    for module in generated_modules():
        target = root / "exercises" / f"{module}.py"
        target.write_text(stub_source(module, root / "solutions"), encoding="utf-8")
        written.append(target)
    return [*written, causes.write(root)]


def stale(root: Path = ROOT) -> list[str]:
    """The files of ``exercises/`` that differ from what ``build`` would write (empty when up to date)."""
    differ = []
    for module in generated_modules():
        target = root / "exercises" / f"{module}.py"
        if not target.is_file() or target.read_text(encoding="utf-8") != stub_source(module, root / "solutions"):
            differ.append(str(target.relative_to(root)))
    if causes.stale(root):
        differ.append(causes.CAUSES.as_posix())
    return differ
