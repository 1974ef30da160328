"""The catalogue of learner bugs (``mutants.toml``) and packages that contain them.

The grader runs the catalogue's bugs in its own process to diagnose a
learner's results (``Grader.diagnose``). Their packages live in memory only
(``in_memory``): a mutant is the reference with one edit, and a copy on disk
is a copy of the reference that some other process might find.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.util
import linecache
import shutil
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from exercises.catalogue import exercise_modules

HERE = Path(__file__).resolve().parent
SOLUTIONS = HERE.parent / "solutions"


@dataclass(frozen=True)
class Mutant:
    """One bug: ``edits`` turn the reference ``module`` into a learner's wrong version of ``exercise``."""

    id: str
    exercise: str
    module: str
    edits: tuple[tuple[str, str], ...]
    hint: str

    def source(self, solutions: Path = SOLUTIONS) -> str:
        """The edited module.

        Raises:
            ValueError: if a ``find`` text does not occur exactly once (the reference changed).
        """
        text = (solutions / f"{self.module}.py").read_text(encoding="utf-8")
        for find, replace in self.edits:
            count = text.count(find)
            if count != 1:
                raise ValueError(f"mutant {self.id}: {find!r} occurs {count} times in solutions/{self.module}.py, expected once")
            text = text.replace(find, replace)
        return text


def load_mutants(path: Path = HERE / "mutants.toml") -> list[Mutant]:
    """Every mutant of the catalogue."""
    entries = tomllib.loads(path.read_text(encoding="utf-8"))["mutant"]
    return [Mutant(e["id"], e["exercise"], e["module"], tuple(map(tuple, e["edits"])), e["hint"]) for e in entries]


def write_package(target: Path, mutant: Mutant | None = None, solutions: Path = SOLUTIONS) -> Path:
    """A copy of the reference's exercise modules as the package folder ``target``, with ``mutant`` applied.

    ``target`` is created (its name is the package name); returns it.
    """
    target.mkdir(parents=True)
    (target / "__init__.py").write_text("", encoding="utf-8")
    for module in exercise_modules():
        shutil.copyfile(solutions / f"{module}.py", target / f"{module}.py")
    if mutant is not None:
        (target / f"{mutant.module}.py").write_text(mutant.source(solutions), encoding="utf-8")
    return target


def sources(mutant: Mutant, solutions: Path = SOLUTIONS) -> dict[str, str]:
    """The exercise modules of the reference with ``mutant`` applied, by module name."""
    texts = {module: (solutions / f"{module}.py").read_text(encoding="utf-8") for module in exercise_modules()}
    texts[mutant.module] = mutant.source(solutions)
    return texts


class _MemoryFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``package`` and ``package.<module>`` from source texts held in memory, for every registered package.

    One finder serves them all: every import of the process asks each finder
    on ``sys.meta_path`` in turn, so one per mutant would slow them all down.
    """

    def __init__(self) -> None:
        self.packages: dict[str, dict[str, str]] = {}

    def find_spec(self, fullname, path=None, target=None):
        if fullname in self.packages:
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        parent, _, module = fullname.rpartition(".")
        if module in self.packages.get(parent, ()):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def exec_module(self, module) -> None:
        package, _, name = module.__name__.rpartition(".")
        if package in self.packages:
            text, filename = self.packages[package][name], f"<{module.__name__.replace('.', '/')}.py>"
            # Tracebacks read their lines through linecache: with the text there, an exception in this code
            # names its statement, as it does for a submission on disk (an mtime of None: never checked).
            linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
            exec(compile(text, filename, "exec"), module.__dict__)


def in_memory(texts: dict[str, str], prefix: str = "_grader_mutant_") -> str:
    """A package whose ``import package.<module>`` loads ``texts[module]``; returns its name. Nothing is written to disk.

    The name is ``prefix`` and a hash of the texts: the same sources are one package, edited ones a new one,
    so that two graders in one process never share a stale module.
    """
    package = prefix + hashlib.sha1("\0".join(f"{m}\0{texts[m]}" for m in sorted(texts)).encode()).hexdigest()[:16]
    finder = next((f for f in sys.meta_path if isinstance(f, _MemoryFinder)), None)
    if finder is None:
        finder = _MemoryFinder()
        sys.meta_path.insert(0, finder)
    finder.packages.setdefault(package, texts)
    return package
