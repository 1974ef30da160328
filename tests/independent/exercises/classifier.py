import torch
from torch import nn

from .attention import SelfAttention
from .positional import PositionalEmbedding


def _probability(p):
    if not 0 <= p < 1:
        raise ValueError(f"dropout {p} is not in [0, 1)")
    return p


class TransformerBlock(nn.Module):
    def __init__(self, k, heads, ff_mult=4, dropout=0.0):
        if min(k, heads, ff_mult) < 1:
            raise ValueError("k, heads and ff_mult must be positive")
        super().__init__()
        self.ff = nn.Sequential(nn.Linear(k, ff_mult * k), nn.ReLU(), nn.Linear(ff_mult * k, k))
        self.norm2 = nn.LayerNorm(k)
        self.norm1 = nn.LayerNorm(k)
        self.attention = SelfAttention(k, heads)
        self.dropout = nn.Dropout(_probability(dropout))

    def forward(self, x, mask=None):
        y = x + self.dropout(self.attention(self.norm1(x), mask))
        return y + self.dropout(self.ff(self.norm2(y)))


class TransformerClassifier(nn.Module):
    def __init__(self, vocab_size, k, heads, depth, max_len, num_classes=2, pool="mean", dropout=0.0, pad_id=0):
        super().__init__()
        _check_pool(pool)
        if min(vocab_size, k, heads, depth, max_len) < 1 or num_classes < 2 or not 0 <= pad_id < vocab_size:
            raise ValueError("sizes must be positive and pad_id a row of the vocabulary")
        self.head = nn.Linear(k, num_classes)
        self.norm = nn.LayerNorm(k)
        self.blocks = nn.ModuleList([TransformerBlock(k, heads, dropout=dropout) for _ in range(depth)])
        self.position = PositionalEmbedding(max_len, k)
        self.token_embedding = nn.Embedding(vocab_size, k, padding_idx=pad_id)
        self.dropout = nn.Dropout(_probability(dropout))
        self.pool, self.pad_id = pool, pad_id

    def forward(self, ids):
        if ids.dtype.is_floating_point or ids.dtype == torch.bool:
            raise TypeError("ids must be integers")
        if ids.dim() != 2:
            raise ValueError(f"ids must be (batch, T), got {tuple(ids.shape)}")
        real = ids.ne(self.pad_id)
        h = self.dropout(self.position(self.token_embedding(ids)))
        for block in self.blocks:
            h = block(h, real)
        return self.head(pool_tokens(self.norm(h), real, self.pool))


def _check_pool(pool):
    if pool not in {"mean", "max"}:
        raise ValueError("unknown pool " + repr(pool))


def pool_tokens(h, mask, pool="mean"):
    _check_pool(pool)
    w = mask.unsqueeze(-1).to(h.dtype)
    if pool == "mean":
        return (h * w).sum(1) / w.sum(1).clamp_min(1.0)
    pooled = h.masked_fill(w == 0, float("-inf")).max(dim=1).values
    return torch.nan_to_num(pooled, neginf=0.0) * (w.sum(1) > 0)
