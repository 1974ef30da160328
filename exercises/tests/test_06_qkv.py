"""Exercise 6: queries, keys and values (SelfAttention in exercises/attention.py)."""

import math

import pytest
import torch

from .checks import expect_close, must_raise
from .conftest import worked_weights

pytestmark = pytest.mark.qkv


def with_weights(module, queries, keys, values, unify=None):
    """Set the four maps of a SelfAttention to the given (k, k) matrices (unify bias 0)."""
    k = queries.shape[0]
    with torch.no_grad():
        module.to_queries.weight.copy_(queries)
        module.to_keys.weight.copy_(keys)
        module.to_values.weight.copy_(values)
        module.unify_heads.weight.copy_(torch.eye(k) if unify is None else unify)
        module.unify_heads.bias.zero_()
    return module


def test_has_four_linear_maps_of_size_k(attention):
    """to_queries, to_keys, to_values are Linear(k, k) without bias; unify_heads has one."""
    sa = attention.SelfAttention(8, heads=2)
    for name in ("to_queries", "to_keys", "to_values", "unify_heads"):
        layer = getattr(sa, name, None)
        assert isinstance(layer, torch.nn.Linear), f"self.{name} should be an nn.Linear"
        assert tuple(layer.weight.shape) == (8, 8), f"self.{name} should map k=8 features to k=8, got weight {tuple(layer.weight.shape)}"
    for name in ("to_queries", "to_keys", "to_values"):
        assert getattr(sa, name).bias is None, f"self.{name} should have bias=False"
    assert sa.unify_heads.bias is not None, "self.unify_heads should have a bias"


def test_rejects_k_that_heads_do_not_divide(attention):
    """k % heads != 0 is a ValueError: the heads split the k features evenly."""
    with must_raise(ValueError, "SelfAttention(7, heads=2)"):
        attention.SelfAttention(7, heads=2)


def test_output_has_shape_batch_T_k(attention, seeded):
    """(batch, T, k) in, (batch, T, k) out."""
    out = attention.SelfAttention(8, heads=4)(torch.randn(3, 5, 8, generator=seeded))
    assert tuple(out.shape) == (3, 5, 8), f"expected (3, 5, 8), got {tuple(out.shape)}"


def test_identity_maps_give_plain_self_attention(attention, X):
    """With Q = K = V = X and unify_heads the identity, it is Exercise 4's self-attention."""
    eye = torch.eye(7)
    sa = with_weights(attention.SelfAttention(7), eye, eye, eye)
    expect_close(sa(X), worked_weights(math.exp(math.sqrt(7))) @ X, "with identity maps the output should be softmax(X X^T / sqrt(k)) X")


def test_zero_queries_attend_to_every_word_equally(attention, seeded):
    """Queries of 0 give equal scores, so every output is the mean of the values."""
    k = 6
    x = torch.randn(1, 4, k, generator=seeded)
    sa = with_weights(attention.SelfAttention(k), torch.zeros(k, k), torch.eye(k), 2 * torch.eye(k))
    expected = (2 * x).mean(dim=1, keepdim=True).expand(1, 4, k)
    expect_close(sa(x), expected, "scores must be queries @ keys^T, and the output the weights times the values (x @ W_v^T)")


@pytest.mark.parametrize("heads", [1, 2])
def test_scores_are_scaled_by_the_root_of_the_head_size(attention, heads):
    """Each head divides its scores by sqrt(s), s = k // heads."""
    x = torch.tensor([[[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]]])
    eye = torch.eye(4)
    s = 4 // heads
    # Word 0 scores s / sqrt(s) = sqrt(s) against itself, 0 against word 1; word 1 scores 0 against both.
    w = 1 / (1 + math.exp(-math.sqrt(s)))
    expected = torch.tensor([[[w] * 4, [0.5] * 4]])
    expect_close(with_weights(attention.SelfAttention(4, heads), eye, eye, eye)(x), expected, f"with {heads} head(s), divide each head's scores by sqrt(k // heads) = sqrt({s})")


def test_each_head_attends_with_its_own_slice_of_features(attention):
    """Head h uses features [h*s, (h+1)*s) of the queries, keys and values."""
    x = torch.tensor([[[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 2.0]]])
    # Head 0 (features 0-1) has sharp queries: each word attends to itself.
    # Head 1 (features 2-3) has zero queries: each word takes the mean, [0.5, 1.0].
    queries = torch.diag(torch.tensor([100.0, 100.0, 0.0, 0.0]))
    sa = with_weights(attention.SelfAttention(4, heads=2), queries, torch.eye(4), torch.eye(4))
    expected = torch.tensor([[[1.0, 0.0, 0.5, 1.0], [0.0, 1.0, 0.5, 1.0]]])
    expect_close(
        sa(x), expected,
        "head h must see features h*s to (h+1)*s of each word: view (b, t, heads, s), then move heads before t "
        "(a plain reshape to (b, heads, t, s) mixes the words)",
        atol=1e-4, rtol=1e-4,
    )


def test_masked_keys_do_not_change_the_real_outputs(attention, seeded):
    """What sits at padded positions cannot influence the real words."""
    torch.manual_seed(0)
    sa = attention.SelfAttention(8, heads=2)
    x = torch.randn(2, 5, 8, generator=seeded)
    mask = torch.tensor([[True, True, True, False, False], [True, True, True, True, False]])
    noisy = x.clone()
    noisy[~mask] = 100.0
    expect_close(sa(noisy, mask)[mask], sa(x, mask)[mask], "keys where mask is False must get weight 0 in every head")


def test_gradients_reach_all_four_maps(attention, seeded):
    """Training can change the queries, keys, values and unify_heads."""
    torch.manual_seed(0)
    sa = attention.SelfAttention(8, heads=2)
    sa(torch.randn(2, 3, 8, generator=seeded)).pow(2).sum().backward()
    missing = [name for name, p in sa.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing, f"no gradient reached {missing}: is every map used in forward?"
