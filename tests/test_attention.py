"""Self-attention of the reference (solutions/attention.py)."""

import math

import pytest
import torch
from torch.testing import assert_close

from solutions.attention import SelfAttention, attention_weights, self_attention
from solutions.positional import PositionalEmbedding


def test_worked_example_weights_by_hand(worked_example):
    """softmax(X X^T / sqrt(7)) of "the film was the best", with E = exp(sqrt(7)) = 14.0940."""
    W = attention_weights(worked_example)[0]
    E = 14.094030
    assert_close(W[0], torch.tensor([E, 1, 1, E, 1]) / (2 * E + 3))  # "the" matches itself twice
    assert_close(W[1], torch.tensor([1, E, 1, 1, 1]) / (E + 4))
    assert_close(W[0, 0].item(), 0.45190, atol=1e-5, rtol=0)  # 14.094 / 31.188


def test_worked_example_output_is_a_weighted_average(worked_example):
    """Row 1 ("film") of the output: (2, E, 1, 1) * sqrt(7) / (E + 4) on the first four features."""
    E = math.exp(math.sqrt(7))
    out = self_attention(worked_example)
    assert out.shape == (1, 5, 7)
    expected = torch.tensor([2, E, 1, 1, 0, 0, 0]) * math.sqrt(7) / (E + 4)
    assert_close(out[0, 1], expected)


def test_rows_sum_to_one_for_every_batch_shape(gen):
    """Any leading dimensions work and every row sums to 1."""
    for shape in [(5, 3), (2, 5, 3), (2, 3, 5, 3)]:
        W = attention_weights(torch.randn(shape, generator=gen))
        assert W.shape == (*shape[:-1], shape[-2])
        assert_close(W.sum(-1), torch.ones(shape[:-1]))


def test_self_attention_is_permutation_equivariant_and_positions_break_it(gen):
    """Permuting words permutes outputs; after adding positions it no longer does."""
    X = torch.randn(2, 6, 8, generator=gen)
    perm = torch.randperm(6, generator=gen)
    assert_close(self_attention(X[:, perm]), self_attention(X)[:, perm])
    torch.manual_seed(0)
    position = PositionalEmbedding(6, 8)
    assert not torch.allclose(self_attention(position(X[:, perm])), self_attention(position(X))[:, perm], atol=1e-3)


def test_masked_keys_get_zero_weight_and_all_padding_rows_are_zero(gen):
    """Masked columns are 0; a sequence with no real token has all-zero weights, no NaN."""
    X = torch.randn(2, 4, 3, generator=gen)
    mask = torch.tensor([[True, False, True, False], [False, False, False, False]])
    W = attention_weights(X, mask)
    assert_close(W[0][:, [1, 3]], torch.zeros(4, 2))
    assert_close(W[0].sum(-1), torch.ones(4))
    assert_close(W[1], torch.zeros(4, 4))


def test_large_inputs_are_stable_and_gradients_finite(gen):
    """Scores around 1e6 give finite weights and finite gradients, even with masking."""
    X = (1000 * torch.randn(2, 5, 4, generator=gen)).requires_grad_(True)
    mask = torch.tensor([[True] * 5, [False] * 5])
    out = self_attention(X, mask)
    assert torch.isfinite(out).all()
    out.sum().backward()
    assert torch.isfinite(X.grad).all()


def test_float64_in_gives_float64_out(gen):
    """The weights keep the input's precision."""
    X = torch.randn(1, 3, 2, generator=gen, dtype=torch.float64)
    assert attention_weights(X).dtype == torch.float64
    assert SelfAttention(2).double()(X).dtype == torch.float64


@pytest.mark.parametrize(("X", "mask", "error", "pattern"), [
    (torch.ones(3), None, ValueError, "at least 2 dimensions"),
    (torch.ones(2, 3, dtype=torch.long), None, TypeError, "floating"),
    (torch.ones(1, 2, 3), torch.ones(1, 3, dtype=torch.bool), ValueError, r"shape \(1, 2\)"),
    (torch.ones(1, 2, 3), torch.ones(1, 2), TypeError, "bool"),
])
def test_attention_weights_rejects_bad_input(X, mask, error, pattern):
    """Wrong ranks, dtypes and mask shapes are errors naming what was expected."""
    with pytest.raises(error, match=pattern):
        attention_weights(X, mask)


def test_multi_head_attention_equals_per_head_attention_on_feature_slices(gen):
    """Head h is single-head attention on features [h*s, (h+1)*s) of Q, K and V."""
    torch.manual_seed(0)
    k, heads = 6, 3
    sa = SelfAttention(k, heads)
    x = torch.randn(2, 4, k, generator=gen)
    mask = torch.tensor([[True, True, True, False], [True, True, True, True]])
    q, key, v = sa.to_queries(x), sa.to_keys(x), sa.to_values(x)
    s = k // heads
    parts = []
    for h in range(heads):
        sl = slice(h * s, (h + 1) * s)
        scores = q[..., sl] @ key[..., sl].transpose(1, 2) / math.sqrt(s)
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        parts.append(scores.softmax(-1) @ v[..., sl])
    assert_close(sa(x, mask), sa.unify_heads(torch.cat(parts, dim=-1)))


def test_self_attention_module_matches_torch_multihead_attention(gen):
    """Same numbers as nn.MultiheadAttention given the same projections (no input biases)."""
    torch.manual_seed(0)
    k, heads = 8, 2
    ours = SelfAttention(k, heads)
    theirs = torch.nn.MultiheadAttention(k, heads, bias=False, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.to_queries.weight, ours.to_keys.weight, ours.to_values.weight]))
        theirs.out_proj.weight.copy_(ours.unify_heads.weight)
    x = torch.randn(2, 5, k, generator=gen)
    mask = torch.tensor([[True] * 5, [True, True, True, False, False]])
    expected, _ = theirs(x, x, x, key_padding_mask=~mask, need_weights=False)
    assert_close(ours(x, mask), expected + ours.unify_heads.bias)


@pytest.mark.parametrize(("args", "error", "pattern"), [
    ((7, 2), ValueError, "k=7 .* heads=2"),
    ((0, 1), ValueError, "k must be at least 1"),
    ((8, 0), ValueError, "heads must be at least 1"),
    ((8.0, 2), TypeError, "k must be an int"),
])
def test_self_attention_module_rejects_bad_sizes(args, error, pattern):
    """Sizes that cannot be split into heads are errors naming them."""
    with pytest.raises(error, match=pattern):
        SelfAttention(*args)


def test_self_attention_module_rejects_bad_shapes():
    """x must be (batch, T, k) and mask (batch, T)."""
    sa = SelfAttention(4)
    with pytest.raises(ValueError, match="k=4"):
        sa(torch.ones(1, 2, 5))
    with pytest.raises(ValueError, match="mask must have shape"):
        sa(torch.ones(1, 2, 4), torch.ones(2, 2, dtype=torch.bool))
