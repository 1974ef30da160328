"""Assertions whose failure message is a hint about the likely mistake."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import torch

# torch.testing.assert_close's default tolerances for these dtypes.
_TOLERANCES = {torch.float16: (1e-3, 1e-5), torch.bfloat16: (1.6e-2, 1e-5), torch.float32: (1.3e-6, 1e-5), torch.float64: (1e-7, 1e-7)}


def expect_close(actual: object, expected: torch.Tensor, hint: str, **tolerances: float) -> None:
    """``torch.testing.assert_close`` that leads its message with ``hint``.

    Values that match are accepted by a plain ``torch.allclose`` with the same
    tolerances first: ``assert_close`` itself imports half of
    ``torch.distributed`` on its first call (over a second), so it is only
    called to describe a mismatch.
    """
    assert isinstance(actual, torch.Tensor), f"{hint}\n(expected a torch.Tensor, got {type(actual).__name__})"
    assert actual.shape == expected.shape, f"{hint}\n(expected shape {tuple(expected.shape)}, got {tuple(actual.shape)})"
    if actual.is_floating_point() and expected.is_floating_point():
        rtol, atol = _TOLERANCES.get(actual.dtype, (1.3e-6, 1e-5))
        if torch.allclose(actual, expected.to(actual.dtype), rtol=tolerances.get("rtol", rtol), atol=tolerances.get("atol", atol)):
            return
    elif not actual.is_floating_point() and not expected.is_floating_point():
        if torch.equal(actual, expected.to(actual.dtype)):
            return
        # Ids and masks: the values themselves say more than assert_close's relative differences (inf for 0 vs 1).
        assert actual.numel() > 64, f"{hint}\nexpected {expected.tolist()}\n     got {actual.tolist()}"
    torch.testing.assert_close(actual, expected, msg=lambda details: f"{hint}\n{details}", check_dtype=False, **tolerances)


def expect_equal(actual: object, expected: object, hint: str) -> None:
    """Plain equality with a hint, for lists and ints."""
    assert actual == expected, f"{hint}\nexpected {expected!r}\n     got {actual!r}"


@contextmanager
def must_raise(error: type[Exception], call: str) -> Iterator[pytest.ExceptionInfo]:
    """``pytest.raises`` whose failure names the call and the error it must raise, not "DID NOT RAISE".

    A stub's NotImplementedError passes through, so the test reads as not started.
    """
    try:
        with pytest.raises(error) as info:
            yield info
    except pytest.fail.Exception:
        pytest.fail(f"{call} must raise {error.__name__}, but it raised nothing", pytrace=False)
    except NotImplementedError:
        raise
    except Exception as other:
        pytest.fail(f"{call} must raise {error.__name__}, but it raised {type(other).__name__}: {other}", pytrace=False)
