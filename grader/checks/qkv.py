"""Hidden checks of Exercise 6: the SelfAttention module."""

import torch

from . import check, outcome
from .helpers import attention_state, gradients, loaded, padded_mask, randn, state_layout


def _module(impl, k: int, heads: int, seed: int = 30, dtype=torch.float32):
    module = impl.attention.SelfAttention(k, heads)
    return loaded(module.to(dtype), attention_state(k, seed, dtype=dtype))


@check("qkv", "to_queries, to_keys, to_values are nn.Linear(k, k, bias=False) and unify_heads is nn.Linear(k, k)")
def state_dict_layout(impl):
    return state_layout(impl.attention.SelfAttention(8, 2)), state_layout(impl.attention.SelfAttention(6, 1))


@check("qkv", "one head: softmax(Q K^T / sqrt(k)) V with Q, K, V from their own maps, then unify_heads; one head is the default; no dropout, so training mode gives the same")
def one_head(impl):
    module, x = _module(impl, 6, 1), randn(2, 5, 6, seed=1)
    default = loaded(impl.attention.SelfAttention(6), attention_state(6, 30))  # heads=1 unless told otherwise
    return module(x), default(x), module.train()(x)


@check("qkv", "several heads: head h uses features [h*s, (h+1)*s) of Q, K and V, scores divided by sqrt(s), heads concatenated in order")
def several_heads(impl):
    return _module(impl, 8, 4)(randn(2, 5, 8, seed=2)), _module(impl, 12, 3, seed=31)(randn(1, 4, 12, seed=3))


@check("qkv", "masked keys get weight 0 in every head")
def masked_keys(impl):
    return _module(impl, 8, 2)(randn(3, 6, 8, seed=4), padded_mask([6, 3, 1], 6))


@check("qkv", "a sequence that is all padding gives finite outputs (the unify_heads bias), never NaN")
def all_padding_sequence(impl):
    return _module(impl, 4, 2)(randn(2, 3, 4, seed=5), padded_mask([0, 3], 3))


@check("qkv", "edge cases: a batch of 1, T = 1, and heads = k (one feature per head)")
def edge_cases(impl):
    return _module(impl, 4, 2)(randn(1, 1, 4, seed=6)), _module(impl, 4, 4)(randn(2, 3, 4, seed=7))


@check("qkv", "float64 in gives float64 out (after .double())")
def float64_stays_float64(impl):
    return _module(impl, 4, 2, dtype=torch.float64)(randn(1, 3, 4, seed=8, dtype=torch.float64))


@check("qkv", "gradients reach all four maps with the right values")
def gradients_reach_every_map(impl):
    module = _module(impl, 8, 2)
    x = randn(2, 4, 8, seed=9).requires_grad_(True)
    (module(x, padded_mask([4, 2], 4)) * randn(2, 4, 8, seed=10)).sum().backward()
    return gradients(module), x.grad


@check("qkv", "k that heads do not divide raises a ValueError")
def rejects_k_not_divisible_by_heads(impl):
    return outcome(lambda: impl.attention.SelfAttention(7, 2), "SelfAttention(k=7, heads=2)"), outcome(lambda: impl.attention.SelfAttention(8, 3), "SelfAttention(k=8, heads=3)")


@check("qkv", "the errors the docstrings document: k or heads not positive, x not (batch, T, k) (a wrong k included) or a mask not (batch, T) (ValueError)")
def rejects_bad_shapes(impl):
    make = impl.attention.SelfAttention
    attention = make(8, 2)
    return [outcome(lambda: make(0, 1), "SelfAttention(k=0, heads=1)"), outcome(lambda: make(8, 0), "SelfAttention(k=8, heads=0)"),
            outcome(lambda: attention(randn(5, 8, seed=17)), "SelfAttention(8, 2) on a 2-D x"),
            outcome(lambda: attention(randn(2, 5, 6, seed=19)), "SelfAttention(8, 2) on an x with 6 features"),
            outcome(lambda: attention(randn(2, 5, 8, seed=18), torch.ones(2, 4, dtype=torch.bool)), "SelfAttention(8, 2) with a mask of the wrong shape")]
