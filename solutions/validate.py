"""Argument checks shared by every exercise.

Each check raises an error that names the bad value and says what was
expected, so that a learner who passes the wrong thing sees why at once
instead of a shape error three calls later.
"""

from __future__ import annotations

import torch


def require_int(value: object, name: str, minimum: int | None = None) -> int:
    """Return ``value`` if it is an ``int`` (not a bool) and at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r} of type {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def require_tensor(value: object, name: str, min_dim: int = 0) -> torch.Tensor:
    """Return ``value`` if it is a tensor with at least ``min_dim`` dimensions."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if value.dim() < min_dim:
        raise ValueError(
            f"{name} must have at least {min_dim} dimensions, got shape {tuple(value.shape)}"
        )
    return value


def require_integer_tensor(value: object, name: str, min_dim: int = 0) -> torch.Tensor:
    """Return ``value`` if it is a tensor of integer ids (int8 ... int64, uint8)."""
    tensor = require_tensor(value, name, min_dim)
    if tensor.is_floating_point() or tensor.is_complex() or tensor.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer ids, got dtype {tensor.dtype}")
    return tensor


def require_float_tensor(value: object, name: str, min_dim: int = 0) -> torch.Tensor:
    """Return ``value`` if it is a floating-point tensor."""
    tensor = require_tensor(value, name, min_dim)
    if not tensor.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {tensor.dtype}")
    return tensor


def require_mask(mask: object, shape: torch.Size, name: str = "mask") -> torch.Tensor:
    """Return ``mask`` if it is a bool tensor of exactly ``shape``."""
    tensor = require_tensor(mask, name)
    if tensor.dtype != torch.bool:
        raise TypeError(f"{name} must be a bool tensor (True at real tokens), got dtype {tensor.dtype}")
    if tensor.shape != shape:
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {tuple(tensor.shape)}")
    return tensor
