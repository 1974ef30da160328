"""Assertions whose failure message is a hint about the likely mistake."""

from __future__ import annotations

import torch


def expect_close(actual: object, expected: torch.Tensor, hint: str, **tolerances: float) -> None:
    """``torch.testing.assert_close`` that leads its message with ``hint``."""
    assert isinstance(actual, torch.Tensor), f"{hint}\n(expected a torch.Tensor, got {type(actual).__name__})"
    assert actual.shape == expected.shape, f"{hint}\n(expected shape {tuple(expected.shape)}, got {tuple(actual.shape)})"
    torch.testing.assert_close(actual, expected, msg=lambda details: f"{hint}\n{details}", check_dtype=False, **tolerances)


def expect_equal(actual: object, expected: object, hint: str) -> None:
    """Plain equality with a hint, for lists and ints."""
    assert actual == expected, f"{hint}\nexpected {expected!r}\n     got {actual!r}"
