"""Exercise 5: positional embedding (exercises/positional.py)."""

import pytest
import torch

from .checks import expect_close, must_raise

pytestmark = pytest.mark.positional


def counting_positions(positional, max_len: int = 6, k: int = 4):
    """A PositionalEmbedding whose vector for position p is [p, p, ..., p] * 10."""
    pe = positional.PositionalEmbedding(max_len, k)
    with torch.no_grad():
        pe.embedding.weight.copy_(10 * torch.arange(max_len, dtype=torch.float32).unsqueeze(1).expand(max_len, k))
    return pe


def test_embedding_is_a_table_of_max_len_rows_of_size_k(positional):
    """The attribute embedding is an nn.Embedding(max_len, k)."""
    pe = positional.PositionalEmbedding(10, 7)
    assert isinstance(pe.embedding, torch.nn.Embedding), "self.embedding should be an nn.Embedding"
    assert tuple(pe.embedding.weight.shape) == (10, 7), f"expected a (max_len, k) = (10, 7) table, got {tuple(pe.embedding.weight.shape)}"


def test_adds_the_vector_of_position_p_to_the_word_at_p(positional):
    """Word p of every review gets row p of the table added."""
    out = counting_positions(positional)(torch.zeros(2, 3, 4))
    expected = torch.tensor([0.0, 10.0, 20.0]).view(1, 3, 1).expand(2, 3, 4)
    if out.shape == expected.shape and torch.allclose(out, expected + 10):
        pytest.fail("every position is off by one: positions count from 0 (torch.arange(T))")
    expect_close(out, expected, "word p should get row p of the table, the same for every review in the batch")


def test_keeps_the_word_vectors(positional, seeded):
    """The positions are added to the words, not put in their place."""
    pe = counting_positions(positional)
    x = torch.randn(2, 5, 4, generator=seeded)
    expect_close(pe(x) - x, pe(torch.zeros(2, 5, 4)), "return x + positions: the word vectors must stay in the sum")


def test_rejects_reviews_longer_than_max_len(positional):
    """T > max_len is a ValueError: there is no vector for that position."""
    with must_raise(ValueError, "PositionalEmbedding(max_len=4, k=3) on a review of T=5"):
        positional.PositionalEmbedding(4, 3)(torch.zeros(1, 5, 3))


def test_positions_break_permutation_equivariance(positional, attention, seeded):
    """With positions added, shuffling the words changes the outputs, not only their order."""
    torch.manual_seed(0)
    pe = positional.PositionalEmbedding(5, 7)
    X = torch.randn(1, 5, 7, generator=seeded)
    order = torch.tensor([3, 0, 4, 1, 2])
    shuffled_first = attention.self_attention(pe(X[:, order]))
    shuffled_after = attention.self_attention(pe(X))[:, order]
    assert not torch.allclose(shuffled_first, shuffled_after, atol=1e-4), (
        "output is unchanged when the words are shuffled — did you add the positions?"
    )


def test_the_position_table_learns(positional, seeded):
    """A backward pass reaches the position table, and x itself is not changed in place."""
    pe = positional.PositionalEmbedding(5, 3)
    x = torch.randn(2, 4, 3, generator=seeded)
    before = x.clone()
    pe(x).sum().backward()
    assert pe.embedding.weight.grad is not None, "the table got no gradient: keep it a trainable nn.Embedding (no requires_grad_(False), no .detach())"
    expect_close(pe.embedding.weight.grad[:4], torch.full((4, 3), 2.0), "each of the first T rows gets the gradient of every review (2 here)")
    expect_close(x, before, "x was changed in place: return x + positions, not x += positions")
