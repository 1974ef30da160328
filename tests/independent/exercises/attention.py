import math

import torch
import torch.nn.functional as F
from torch import nn


def _softmax_keys(scores, keep):
    # keep broadcasts against scores; True = key may be attended to
    if keep is None:
        return F.softmax(scores, dim=-1)
    scores = scores.masked_fill(keep.logical_not(), float("-inf"))
    probs = F.softmax(scores, dim=-1)
    return torch.where(keep.any(dim=-1, keepdim=True), probs, torch.zeros_like(probs))


def attention_weights(X, mask=None):
    scale = X.shape[-1] ** -0.5
    scores = torch.einsum("...ik,...jk->...ij", X, X) * scale
    return _softmax_keys(scores, None if mask is None else mask[..., None, :])


def self_attention(X, mask=None):
    return torch.einsum("...ij,...jk->...ik", attention_weights(X, mask), X)


class SelfAttention(nn.Module):
    def __init__(self, k, heads=1):
        if k % heads:
            raise ValueError(f"{heads} heads cannot split {k} features")
        super().__init__()
        self.unify_heads = nn.Linear(k, k)
        self.to_values = nn.Linear(k, k, bias=False)
        self.to_keys = nn.Linear(k, k, bias=False)
        self.to_queries = nn.Linear(k, k, bias=False)
        self.heads = heads

    def forward(self, x, mask=None):
        b, t, k = x.shape
        s = k // self.heads
        q, kk, v = (f(x).unflatten(-1, (self.heads, s)).permute(0, 2, 1, 3) for f in (self.to_queries, self.to_keys, self.to_values))
        scores = torch.einsum("bhis,bhjs->bhij", q, kk) / math.sqrt(s)
        w = _softmax_keys(scores, None if mask is None else mask[:, None, None, :])
        out = torch.einsum("bhij,bhjs->bihs", w, v).flatten(2)
        return self.unify_heads(out)
