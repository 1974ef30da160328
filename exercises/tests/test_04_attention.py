"""Exercise 4: self-attention (exercises/attention.py)."""

import math

import pytest
import torch

from .checks import expect_close
from .conftest import worked_weights

pytestmark = pytest.mark.attention

E = math.exp(math.sqrt(7))  # exp(x_i . x_i / sqrt(k)) in the worked example


def test_weights_have_shape_batch_T_T(attention, X):
    """A (1, 5, 7) input gives a (1, 5, 5) weight matrix: one weight per pair of words."""
    W = attention.attention_weights(X)
    assert tuple(W.shape) == (1, 5, 5), f"expected shape (1, 5, 5), got {tuple(W.shape)}: X @ X^T over the last two dims"


def test_weights_rows_sum_to_one(attention, seeded):
    """Each row of the weights is a weighted average: positive, summing to 1."""
    W = attention.attention_weights(torch.randn(2, 6, 4, generator=seeded))
    expect_close(W.sum(dim=-1), torch.ones(2, 6), "rows of the weight matrix don't sum to 1 — is the softmax over the last dimension?")
    assert (W >= 0).all(), "weights must be non-negative — did you apply the softmax?"


def test_weights_of_the_worked_example(attention, X):
    """softmax(X X^T / sqrt(7)) of the five words, worked out by hand."""
    W = attention.attention_weights(X)
    if torch.allclose(W, worked_weights(math.exp(7))):
        pytest.fail("these are the weights of softmax(X X^T): divide the scores by sqrt(k) before the softmax")
    if torch.allclose(W, worked_weights(math.exp(1))):
        pytest.fail("these are the weights of softmax(X X^T / k): divide by sqrt(k), not by k")
    expect_close(W, worked_weights(E), "weights differ from softmax(X X^T / sqrt(k)) worked out by hand")


def test_self_attention_keeps_the_shape(attention, X):
    """The output has the shape of the input: one new vector per word."""
    Y = attention.self_attention(X)
    assert tuple(Y.shape) == (1, 5, 7), f"expected shape (1, 5, 7), got {tuple(Y.shape)}: multiply the weights by X"


def test_self_attention_of_the_worked_example(attention, X):
    """Each output word is the weighted average of the input words."""
    r7 = math.sqrt(7)
    # Coefficients of e_the, e_film, e_was, e_best (then 3 unused dims), worked out from the weights.
    expected = torch.tensor([
        [v / (2 * E + 3) for v in [2 * E * r7, r7, r7, r7, 0, 0, 0]],
        [v / (E + 4) for v in [2 * r7, E * r7, r7, r7, 0, 0, 0]],
        [v / (E + 4) for v in [2 * r7, r7, E * r7, r7, 0, 0, 0]],
        [v / (2 * E + 3) for v in [2 * E * r7, r7, r7, r7, 0, 0, 0]],
        [v / (E + 4) for v in [2 * r7, r7, r7, E * r7, 0, 0, 0]],
    ]).unsqueeze(0)
    expect_close(attention.self_attention(X), expected, "output row i should be sum_j W[i, j] * X[j]: the weights times X")


def test_self_attention_is_permutation_equivariant(attention, seeded):
    """Shuffling the words only shuffles the outputs: attention alone ignores order."""
    X = torch.randn(1, 5, 7, generator=seeded)
    order = torch.tensor([3, 0, 4, 1, 2])
    expect_close(
        attention.self_attention(X[:, order]),
        attention.self_attention(X)[:, order],
        "shuffling the input words should shuffle the output rows the same way and change nothing else",
    )


def test_masked_keys_get_zero_weight(attention, seeded):
    """Padding is never attended to: its column of weights is 0."""
    X = torch.randn(1, 5, 7, generator=seeded)
    mask = torch.tensor([[True, True, True, False, False]])
    W = attention.attention_weights(X, mask)
    expect_close(W[..., 3:], torch.zeros(1, 5, 2), "keys where mask is False must get weight exactly 0")
    expect_close(W.sum(dim=-1), torch.ones(1, 5), "the weights over the real keys must still sum to 1")


def test_masked_weights_are_the_softmax_over_real_keys(attention, seeded):
    """Masking the padding gives the weights of the review without its padding."""
    X = torch.randn(1, 5, 7, generator=seeded)
    mask = torch.tensor([[True, True, True, False, False]])
    expect_close(
        attention.attention_weights(X, mask)[:, :3, :3],
        attention.attention_weights(X[:, :3]),
        "with the padding masked, the real words should attend as if the padding were not there",
    )


def test_a_row_with_no_real_key_is_zero_not_nan(attention, seeded):
    """An all-padding sequence gets weights of 0, never NaN."""
    W = attention.attention_weights(torch.randn(1, 3, 4, generator=seeded), torch.zeros(1, 3, dtype=torch.bool))
    assert not W.isnan().any(), "all keys masked gave NaN (softmax of only -inf is 0/0): make those rows 0"
    expect_close(W, torch.zeros(1, 3, 3), "a row with every key masked should be all zeros")


def test_large_inputs_give_finite_weights(attention, seeded):
    """Scores in the millions do not overflow the softmax."""
    W = attention.attention_weights(1000 * torch.randn(1, 4, 8, generator=seeded))
    assert torch.isfinite(W).all(), "large scores overflowed: exp(1000) is inf — use torch.softmax, which subtracts the row max"
    expect_close(W.sum(dim=-1), torch.ones(1, 4), "rows must still sum to 1 for large inputs")
