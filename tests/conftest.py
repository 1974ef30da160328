"""Shared fixtures for the project's own tests."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
import torch

from exercises.catalogue import exercise_modules
from grader.checks import helpers
from grader.mutants import Mutant, in_memory, load_mutants, write_package

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    """What `python -m grader build` reads and writes, copied: solutions/, exercises/ (its stubs and causes.pt.gz), grader/mutants.toml."""
    copy = tmp_path / "repo"
    for part in ("solutions", "exercises"):
        (copy / part).mkdir(parents=True)
        for source in (ROOT / part).glob("*.py"):
            shutil.copyfile(source, copy / part / source.name)
    for name in ("exercises/tests/causes.pt.gz", "grader/mutants.toml"):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, copy / name)
    return copy


@pytest.fixture
def sample_dir() -> Path:
    """The hand-written review sample in the stanfordnlp/imdb layout."""
    return ROOT / "data" / "sample"


@pytest.fixture
def gen() -> torch.Generator:
    """A seeded generator: the same random inputs on every run."""
    return torch.Generator().manual_seed(1234)


@pytest.fixture
def worked_example() -> torch.Tensor:
    """The curriculum's 1 x 5 x 7 tensor: "the film was the best", word w = sqrt(7) e_w."""
    return helpers.worked_example()


@pytest.fixture(scope="session")
def grader():
    """The grader with its sandbox: the reference's results and the catalogue, computed once."""
    from grader.grade import Grader

    return Grader()


def pytest_configure(config: pytest.Config) -> None:
    # The tests use tiny tensors, where one thread beats two: no thread
    # start-up per op, and no spinning threads fighting another process.
    torch.set_num_threads(1)


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


def stubs(folder: Path) -> Path:
    """A learner's folder holding the untouched stubs."""
    shutil.copytree(ROOT / "exercises", folder / "exercises", ignore=shutil.ignore_patterns("tests", "__pycache__"))
    return folder


def with_bug(folder: Path, mutant_id: str) -> Path:
    """A learner's folder holding the reference with one catalogued bug (``grader/mutants.toml``)."""
    write_package(folder / "exercises", next(m for m in load_mutants() if m.id == mutant_id))
    return folder


def bugs_in_memory(*mutants: Mutant) -> str:
    """The name of an importable package: the reference with ``mutants`` (each in a module of its own) applied, held in memory only."""
    return edited_in_memory({mutant.module: mutant.source() for mutant in mutants})


def edited_in_memory(edited: dict[str, str]) -> str:
    """The name of an importable package: the reference with some modules' sources replaced by ``edited``, held in memory only."""
    texts = {module: (ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8") for module in exercise_modules()}
    return in_memory(texts | edited, prefix="_test_bugs_")


def small_class(folder: Path) -> list[Path]:
    """Four submissions, one of each kind a grader meets: correct, not started, one bug, an unreadable zip."""
    subs = [submission(folder / "reference"), stubs(folder / "stubs"), with_bug(folder / "softmax", "softmax-over-columns"), folder / "broken.zip"]
    subs[-1].write_bytes(b"PK\x03\x04 not really a zip")
    return subs
