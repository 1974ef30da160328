"""Seeded inputs for the probes, and weights laid out as the specification says.

Weights come from here rather than from either implementation, so that the
reference and the learner's module run with exactly the same numbers however
each one creates and initialises its layers.
"""

from __future__ import annotations

import math

import torch


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def randn(*shape: int, seed: int, scale: float = 1.0, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return scale * torch.randn(*shape, generator=generator(seed), dtype=dtype)


def randint(low: int, high: int, shape: tuple[int, ...], seed: int) -> torch.Tensor:
    return torch.randint(low, high, shape, generator=generator(seed))


def padded_mask(lengths: list[int], T: int) -> torch.Tensor:
    """(batch, T) bool mask, True on the first ``lengths[b]`` positions of row ``b``."""
    return torch.arange(T).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)


def worked_example() -> torch.Tensor:
    """The course's (1, 5, 7) tensor: "the film was the best", word w = sqrt(7) e_w."""
    X = torch.zeros(1, 5, 7)
    for position, word in enumerate([0, 1, 2, 0, 3]):
        X[0, position, word] = math.sqrt(7)
    return X


def attention_state(k: int, seed: int, prefix: str = "", dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    """Weights of ``SelfAttention(k, heads)``: three (k, k) maps without bias, unify_heads with one."""
    g = generator(seed)
    scale = 1 / math.sqrt(k)
    state = {f"to_{name}.weight": scale * torch.randn(k, k, generator=g, dtype=dtype) for name in ("queries", "keys", "values")}
    state["unify_heads.weight"] = scale * torch.randn(k, k, generator=g, dtype=dtype)
    state["unify_heads.bias"] = 0.1 * torch.randn(k, generator=g, dtype=dtype)
    return {prefix + name: value for name, value in state.items()}


def norm_state(k: int, seed: int, prefix: str) -> dict[str, torch.Tensor]:
    """A LayerNorm with gains and biases away from 1 and 0, so that swapping two norms shows."""
    g = generator(seed)
    return {f"{prefix}weight": 1 + 0.3 * torch.randn(k, generator=g), f"{prefix}bias": 0.2 * torch.randn(k, generator=g)}


def block_state(k: int, ff_mult: int, seed: int, prefix: str = "") -> dict[str, torch.Tensor]:
    """Weights of ``TransformerBlock(k, heads, ff_mult)``."""
    g = generator(seed + 1)
    hidden = ff_mult * k
    state = attention_state(k, seed, prefix + "attention.")
    state.update(norm_state(k, seed + 2, prefix + "norm1."))
    state.update(norm_state(k, seed + 3, prefix + "norm2."))
    state[prefix + "ff.0.weight"] = torch.randn(hidden, k, generator=g) / math.sqrt(k)
    state[prefix + "ff.0.bias"] = 0.1 * torch.randn(hidden, generator=g)
    state[prefix + "ff.2.weight"] = torch.randn(k, hidden, generator=g) / math.sqrt(hidden)
    state[prefix + "ff.2.bias"] = 0.1 * torch.randn(k, generator=g)
    return state


def classifier_state(vocab_size: int, k: int, depth: int, max_len: int, num_classes: int, seed: int) -> dict[str, torch.Tensor]:
    """Weights of ``TransformerClassifier`` with ``depth`` blocks (ff_mult 4)."""
    g = generator(seed)
    state = {
        "token_embedding.weight": torch.randn(vocab_size, k, generator=g),
        "position.embedding.weight": torch.randn(max_len, k, generator=g),
    }
    for index in range(depth):
        state.update(block_state(k, 4, seed + 10 * (index + 1), f"blocks.{index}."))
    state.update(norm_state(k, seed + 5, "norm."))
    state["head.weight"] = torch.randn(num_classes, k, generator=g) / math.sqrt(k)
    state["head.bias"] = 0.1 * torch.randn(num_classes, generator=g)
    return state


def state_layout(module: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    """Parameter and buffer names with their shapes: what a state_dict must look like."""
    return {name: tuple(t.shape) for name, t in module.state_dict().items()}


def loaded(module: torch.nn.Module, state: dict[str, torch.Tensor]) -> torch.nn.Module:
    """``module`` with ``state`` loaded (strictly: the names must be the documented ones), in eval mode."""
    module.load_state_dict(state)
    return module.eval()


def gradients(module: torch.nn.Module) -> dict[str, torch.Tensor | None]:
    """Each parameter's gradient after a backward pass, by name."""
    return {name: (None if p.grad is None else p.grad.clone()) for name, p in module.named_parameters()}
