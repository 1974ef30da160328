"""Seeded inputs and weights for the probes of ``probes.py``.

Every tensor comes from a generator seeded here, so a probe gives the same
result on every machine and every run. Weights are laid out by their
documented names (``embedding.weight``, ``to_queries.weight``, ...) and each
tensor is seeded by its name, not by its place in a list: the learner's code
and the reference then compute with the very same numbers, whatever order
each one creates its layers in.
"""

from __future__ import annotations

import math
import zlib

import torch


def noise(*shape: int, seed: int, scale: float = 1.0, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Standard normal values times ``scale``, shape ``shape``, from ``seed``."""
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype) * scale


def ids(low: int, high: int, shape: tuple[int, ...], seed: int) -> torch.Tensor:
    """A LongTensor of shape ``shape`` with values in ``[low, high)``, from ``seed``."""
    return torch.randint(low, high, shape, generator=torch.Generator().manual_seed(seed))


def real_tokens(lengths: list[int], T: int) -> torch.Tensor:
    """Bool ``(len(lengths), T)``: row ``b`` is True on its first ``lengths[b]`` positions (a padding mask)."""
    return torch.stack([torch.arange(T) < n for n in lengths])


def course_example() -> torch.Tensor:
    """The course's worked example, ``(1, 5, 7)``: "the film was the best", word ``w`` is ``sqrt(7) e_w``."""
    words = torch.tensor([0, 1, 2, 0, 3])
    return (math.sqrt(7) * torch.eye(7)[words]).unsqueeze(0)


def padded_ids(lengths: list[int], T: int, pad_id: int, low: int, high: int, seed: int) -> torch.Tensor:
    """Long ``(len(lengths), T)``: ids in ``[low, high)`` on each row's first ``lengths[b]`` positions, ``pad_id`` after."""
    values = ids(low, high, (len(lengths), T), seed)
    return values.masked_fill(~real_tokens(lengths, T), pad_id)


# --- weights by name -----------------------------------------------------------------------


def weights(layout: dict[str, tuple[int, ...]], seed: int, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    """A state_dict for ``layout`` (name -> shape), each tensor seeded by ``seed`` and its name.

    Linear weights are scaled by ``1 / sqrt(fan_in)`` so activations stay near 1;
    LayerNorm gains sit around 1 and biases around 0, far enough from the
    defaults (1 and 0) that a norm skipped or swapped changes the result.
    """
    state = {}
    for name, shape in layout.items():
        values = noise(*shape, seed=seed * 7919 + zlib.crc32(name.encode()) % 100_003, dtype=dtype)
        if "norm" in name:
            values = (1.0 if name.endswith("weight") else 0.0) + 0.25 * values
        elif name.endswith("bias"):
            values = 0.15 * values
        elif len(shape) == 2 and not name.endswith("embedding.weight"):
            values = values / math.sqrt(shape[1])
        state[name] = values
    return state


def attention_layout(k: int, prefix: str = "") -> dict[str, tuple[int, ...]]:
    """``SelfAttention(k, heads)``'s documented parameters: three (k, k) maps without bias, unify_heads with one."""
    layout = {f"{prefix}to_{part}.weight": (k, k) for part in ("queries", "keys", "values")}
    return {**layout, f"{prefix}unify_heads.weight": (k, k), f"{prefix}unify_heads.bias": (k,)}


def block_layout(k: int, ff_mult: int, prefix: str = "") -> dict[str, tuple[int, ...]]:
    """``TransformerBlock(k, heads, ff_mult)``'s documented parameters."""
    layout = attention_layout(k, prefix + "attention.")
    for norm in ("norm1", "norm2"):
        layout.update({f"{prefix}{norm}.weight": (k,), f"{prefix}{norm}.bias": (k,)})
    hidden = ff_mult * k
    layout.update({f"{prefix}ff.0.weight": (hidden, k), f"{prefix}ff.0.bias": (hidden,),
                   f"{prefix}ff.2.weight": (k, hidden), f"{prefix}ff.2.bias": (k,)})
    return layout


def classifier_layout(vocab_size: int, k: int, depth: int, max_len: int, num_classes: int) -> dict[str, tuple[int, ...]]:
    """``TransformerClassifier``'s documented parameters (its blocks have ff_mult 4)."""
    layout = {"token_embedding.weight": (vocab_size, k), "position.embedding.weight": (max_len, k)}
    for block in range(depth):
        layout.update(block_layout(k, 4, f"blocks.{block}."))
    return {**layout, "norm.weight": (k,), "norm.bias": (k,), "head.weight": (num_classes, k), "head.bias": (num_classes,)}


def with_weights(module: torch.nn.Module, state: dict[str, torch.Tensor]) -> torch.nn.Module:
    """``module`` in eval mode with ``state`` loaded strictly: a parameter with another name or shape raises."""
    module.load_state_dict(state, strict=True)
    return module.eval()


def shapes(module: torch.nn.Module) -> dict[str, list[int]]:
    """Name -> shape of every parameter and buffer: what the state_dict of ``module`` looks like."""
    return {name: list(tensor.shape) for name, tensor in module.state_dict().items()}


def grads(module: torch.nn.Module) -> dict[str, torch.Tensor | None]:
    """Each parameter's gradient by name (None where none arrived)."""
    return {name: None if p.grad is None else p.grad.detach().clone() for name, p in module.named_parameters()}
