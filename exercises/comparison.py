"""Comparing a result with the reference's: what differs, in words.

A result is what a probe or check returned: tensors, lists, tuples, dicts,
numbers and strings, or an exception as data (``{"raised": [class names],
"message": ...}``). Used to grade (``compare``) and to diagnose
(``exercises/diagnosis.py``, ``exercises/differences.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol

import torch


class Checked(Protocol):
    """What a comparison needs of a check: its id, its exercise and its tolerances."""

    id: str
    exercise: str
    atol: float
    rtol: float


def compare(expected: Any, actual: Any, check: Checked, where: str = "the result", equal_nan: bool = False) -> str | None:
    """None when ``actual`` matches the reference's ``expected``, else what differs.

    ``equal_nan`` counts NaN as equal to NaN: for matching two wrong results, never for grading.
    """
    if is_raised(expected):
        wanted = expected["raised"][0]
        if is_raised(actual):
            return None if wanted in actual["raised"] else f"{where}: expected a {wanted}, got a {actual['raised'][0]}: {actual['message'][:200]}"
        return f"{where}: expected a {wanted} for this input, but nothing was raised"
    if is_raised(actual):
        return f"{where}: raised {actual['raised'][0]}: {actual['message'][:300]}"
    if isinstance(expected, torch.Tensor):
        return _compare_tensors(expected, actual, check, where, equal_nan)
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            return f"{where}: expected {len(expected)} items, got {_describe(actual)}"
        for index, (e, a) in enumerate(zip(expected, actual)):
            problem = compare(e, a, check, f"{where}[{index}]", equal_nan)
            if problem:
                return problem
        return None
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(actual) != set(expected):
            missing = sorted(set(expected) - set(actual)) if isinstance(actual, dict) else None
            extra = sorted(set(actual) - set(expected)) if isinstance(actual, dict) else None
            return f"{where}: expected keys {sorted(expected)[:8]}, got {_describe(actual)}" + (f" (missing {missing[:5]}, unexpected {extra[:5]})" if missing is not None else "")
        for key in expected:
            problem = compare(expected[key], actual[key], check, f"{where}[{key!r}]", equal_nan)
            if problem:
                return problem
        return None
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return None if math.isclose(expected, actual, rel_tol=check.rtol, abs_tol=check.atol) else f"{where}: expected {expected:.6g}, got {actual:.6g}"
    if type(actual) is not type(expected) or actual != expected:
        return f"{where}: expected {_short(expected)}, got {_short(actual)}"
    return None


def _compare_tensors(expected: torch.Tensor, actual: Any, check: Checked, where: str, equal_nan: bool) -> str | None:
    if not isinstance(actual, torch.Tensor):
        return f"{where}: expected a tensor of shape {tuple(expected.shape)}, got {_describe(actual)}"
    if actual.shape != expected.shape:
        return f"{where}: expected shape {tuple(expected.shape)}, got {tuple(actual.shape)}"
    if actual.dtype != expected.dtype:
        return f"{where}: expected dtype {expected.dtype}, got {actual.dtype}"
    # A sparse tensor, or one on another device, has the right shape and dtype but no values to compare here.
    if actual.layout != expected.layout or actual.device != expected.device:
        return f"{where}: expected a {expected.layout} tensor on {expected.device}, got a {actual.layout} one on {actual.device}"
    try:
        torch.testing.assert_close(actual, expected, atol=check.atol, rtol=check.rtol, equal_nan=equal_nan)
    except AssertionError as error:
        if actual.is_floating_point() and not torch.isfinite(actual).all() and torch.isfinite(expected).all():
            return f"{where}: contains NaN or inf"
        detail = [line for line in str(error).splitlines() if line.startswith(("Mismatched", "Greatest absolute"))]
        return f"{where}: values differ ({'; '.join(detail)})"
    return None


def _describe(value: Any) -> str:
    if torch.is_tensor(value):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, dict) and "unsupported" in value:
        return f"a {value['unsupported']}"
    return _short(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def parts(expected: Any, produced: Any, actual: Any) -> list[tuple[Any, Any, Any]] | None:
    """The three results side by side, item by item, when all three have the same layout."""
    if all(isinstance(v, (list, tuple)) for v in (expected, produced, actual)) and len(expected) == len(produced) == len(actual):
        return list(zip(expected, produced, actual))
    if all(isinstance(v, dict) for v in (expected, produced, actual)) and expected.keys() == produced.keys() == actual.keys():
        return [(expected[k], produced[k], actual[k]) for k in expected]
    return None


def is_raised(value: Any) -> bool:
    return isinstance(value, dict) and "raised" in value
