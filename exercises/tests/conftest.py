"""Fixtures for the exercise tests.

Each module fixture is the module under test, taken from the package that
``--impl`` names: ``exercises`` (your code) by default.
"""

from __future__ import annotations

import importlib
import math
from types import ModuleType

import pytest
import torch


def _module_fixture(module: str):
    """A fixture named ``module`` that returns ``<impl>.<module>``, e.g. ``exercises.attention``."""

    @pytest.fixture(name=module)
    def fixture(request: pytest.FixtureRequest) -> ModuleType:
        return importlib.import_module(f"{request.config.getoption('impl')}.{module}")

    return fixture


vocab, padding, embedding, attention, positional, classifier = map(
    _module_fixture, ["vocab", "padding", "embedding", "attention", "positional", "classifier"]
)


@pytest.fixture
def words() -> list[str]:
    """The first five words of a review: "the film was the best"."""
    return ["the", "film", "was", "the", "best"]


@pytest.fixture
def X(words) -> torch.Tensor:
    """The course's worked example: those five words embedded in k = 7 dimensions, shape (1, 5, 7).

    Word number ``w`` of the little vocabulary (the, film, was, best) is
    ``sqrt(7) * e_w``, so that ``x_i . x_j`` is 7 for the same word and 0
    for different words: the weights can be worked out by hand.
    """
    ids = {"the": 0, "film": 1, "was": 2, "best": 3}
    rows = torch.zeros(len(words), 7)
    for position, word in enumerate(words):
        rows[position, ids[word]] = math.sqrt(7)
    return rows.unsqueeze(0)  # (batch=1, T=5, k=7)


def worked_weights(E: float) -> torch.Tensor:
    """The weights of the worked example by hand, with ``E = exp(score of a word with itself)``.

    Scores are ``x_i . x_j / sqrt(7)``: ``7 / sqrt(7) = sqrt(7)`` for the same
    word, 0 otherwise, so ``E = exp(sqrt(7))``. "the" (positions 0 and 3)
    matches two positions, every other word only itself.
    """
    the = [E, 1, 1, E, 1]
    rows = [the, [1, E, 1, 1, 1], [1, 1, E, 1, 1], the, [1, 1, 1, 1, E]]
    return torch.tensor([[w / sum(row) for w in row] for row in rows]).unsqueeze(0)  # (1, 5, 5)


@pytest.fixture
def seeded() -> torch.Generator:
    """A fixed random generator, so that every run sees the same numbers."""
    return torch.Generator().manual_seed(0)
