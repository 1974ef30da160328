"""The catalogue of learner bugs (``mutants.toml``) and packages that contain them."""

from __future__ import annotations

import shutil
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
