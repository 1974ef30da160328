import math

import torch
import torch.nn.functional as F
from torch import nn


def masked_softmax(scores, key_mask=None):
    """Softmax over the keys (last axis); keys where key_mask is False get 0, and rows with no key left are all 0."""
    # key_mask broadcasts against scores; True = key may be attended to
    if key_mask is None:
        return F.softmax(scores, dim=-1)
    scores = scores.masked_fill(key_mask.logical_not(), float("-inf"))
    probs = F.softmax(scores, dim=-1)
    return torch.where(key_mask.any(dim=-1, keepdim=True), probs, torch.zeros_like(probs))


def _check_inputs(X, mask, dims):
    if not torch.is_tensor(X) or not X.dtype.is_floating_point:
        raise TypeError("X must be a floating-point tensor")
    if X.dim() < 2 or (dims and X.dim() != dims):
        raise ValueError(f"X of shape {tuple(X.shape)} has the wrong number of dimensions")
    if mask is not None and mask.dtype != torch.bool:
        raise TypeError("mask must be bool")
    if mask is not None and mask.shape != X.shape[:-1]:
        raise ValueError(f"mask {tuple(mask.shape)} does not match X {tuple(X.shape)}")


def attention_weights(X, mask=None):
    _check_inputs(X, mask, dims=None)
    scale = X.shape[-1] ** -0.5
    scores = torch.einsum("...ik,...jk->...ij", X, X) * scale
    return masked_softmax(scores, None if mask is None else mask[..., None, :])


def self_attention(X, mask=None):
    return torch.einsum("...ij,...jk->...ik", attention_weights(X, mask), X)


class SelfAttention(nn.Module):
    def __init__(self, k, heads=1):
        if k < 1 or heads < 1 or k % heads:
            raise ValueError(f"{heads} heads cannot split {k} features")
        super().__init__()
        self.unify_heads = nn.Linear(k, k)
        self.to_values = nn.Linear(k, k, bias=False)
        self.to_keys = nn.Linear(k, k, bias=False)
        self.to_queries = nn.Linear(k, k, bias=False)
        self.heads, self.k = heads, k

    def forward(self, x, mask=None):
        _check_inputs(x, mask, dims=3)
        b, t, k = x.shape
        if k != self.k:
            raise ValueError(f"x has {k} features per word, this layer was built for {self.k}")
        s = k // self.heads
        q, kk, v = (f(x).unflatten(-1, (self.heads, s)).permute(0, 2, 1, 3) for f in (self.to_queries, self.to_keys, self.to_values))
        scores = torch.einsum("bhis,bhjs->bhij", q, kk) / math.sqrt(s)
        w = masked_softmax(scores, None if mask is None else mask[:, None, None, :])
        out = torch.einsum("bhij,bhjs->bihs", w, v).flatten(2)
        return self.unify_heads(out)
