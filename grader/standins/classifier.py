"""Stand-ins for Exercise 7's TransformerBlock and pool_tokens (they use the stand-ins of Exercises 2, 4-6).

Sent only to find the root of an Exercise 7 failure, after its checks are graded.
"""

import torch
from torch import nn


class TransformerBlock(nn.Module):
    def __init__(self, k: int, heads: int, ff_mult: int = 4, dropout: float = 0.0) -> None:
        super().__init__()
        self.attention = SelfAttention(k, heads)  # noqa: F821 (from qkv.py)
        self.norm1, self.norm2 = nn.LayerNorm(k), nn.LayerNorm(k)
        self.ff = nn.Sequential(nn.Linear(k, ff_mult * k), nn.ReLU(), nn.Linear(ff_mult * k, k))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.dropout(self.attention(self.norm1(x), mask))
        return x + self.dropout(self.ff(self.norm2(x)))


def pool_tokens(h: torch.Tensor, mask: torch.Tensor, pool: str = "mean") -> torch.Tensor:
    keep = mask.unsqueeze(-1)
    if pool == "mean":
        return (h * keep).sum(1) / keep.sum(1).clamp(min=1)
    if pool == "max":
        return torch.where(keep.any(1), h.masked_fill(~keep, float("-inf")).amax(1), torch.zeros(()))
    raise ValueError(f"pool must be 'mean' or 'max', got {pool!r}")
