"""Shared fixtures for the project's own tests."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root() -> Path:
    """The repository root."""
    return ROOT


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
    """The curriculum's 1 x 5 x 7 tensor: 5 words of one review, 7 features each.

    Rows are ``sqrt(7) * e_w`` for the words the, film, was, the, best, so
    every dot product is 7 (same word) or 0.
    """
    X = torch.zeros(1, 5, 7)
    for position, word in enumerate([0, 1, 2, 0, 3]):
        X[0, position, word] = math.sqrt(7)
    return X


def pytest_configure(config: pytest.Config) -> None:
    # The tests use tiny tensors, where one thread beats two: no thread
    # start-up per op, and no spinning threads fighting another process.
    torch.set_num_threads(1)
