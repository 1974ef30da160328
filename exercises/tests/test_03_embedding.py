"""Exercise 3: embedding lookup (exercises/embedding.py)."""

import pytest
import torch

from .checks import expect_close, must_raise

pytestmark = pytest.mark.embedding


@pytest.fixture
def weight() -> torch.Tensor:
    """A vocabulary of 4 ids in k = 3 dimensions: row i is [3i, 3i+1, 3i+2]."""
    return torch.arange(12, dtype=torch.float32).view(4, 3)


def test_lookup_returns_the_row_of_each_id(embedding, weight):
    """Id i becomes row i of the weight matrix."""
    out = embedding.embedding_lookup(torch.tensor([[2, 0, 2]]), weight)
    expected = torch.tensor([[[6.0, 7.0, 8.0], [0.0, 1.0, 2.0], [6.0, 7.0, 8.0]]])
    expect_close(out, expected, "id i should give row i of weight (weight[i], not column i)")


def test_lookup_adds_a_last_dimension_of_size_k(embedding, weight):
    """ids of shape (...) give vectors of shape (..., k)."""
    for shape in [(5,), (2, 5), (2, 3, 4)]:
        ids = torch.zeros(shape, dtype=torch.long)
        out = embedding.embedding_lookup(ids, weight)
        assert tuple(out.shape) == (*shape, 3), f"ids of shape {shape} should give shape {(*shape, 3)}, got {tuple(out.shape)}"


def test_lookup_equals_the_one_hot_matrix_product(embedding, weight):
    """Indexing gives the same numbers as one_hot(ids) @ weight."""
    ids = torch.tensor([[3, 1], [0, 3]])
    one_hot = torch.nn.functional.one_hot(ids, num_classes=4).float()  # (2, 2, 4)
    expect_close(embedding.embedding_lookup(ids, weight), one_hot @ weight, "the lookup must equal the one-hot product")


def test_gradient_flows_into_the_rows_that_were_used(embedding, weight):
    """d(sum of outputs)/d(weight) counts how often each row was looked up."""
    weight.requires_grad_(True)
    embedding.embedding_lookup(torch.tensor([1, 3, 1]), weight).sum().backward()
    assert weight.grad is not None, "the lookup must be differentiable with respect to weight (use indexing, not .data)"
    expect_close(weight.grad, torch.tensor([[0.0] * 3, [2.0] * 3, [0.0] * 3, [1.0] * 3]), "row 1 was used twice, row 3 once")


def test_rejects_ids_outside_the_vocabulary(embedding, weight):
    """An id outside [0, vocab) is an IndexError naming the id and the vocabulary size."""
    for bad in (4, -1):
        with must_raise(IndexError, f"embedding_lookup(ids with the id {bad}, a table of {len(weight)} rows)") as error:
            embedding.embedding_lookup(torch.tensor([0, bad]), weight)
        message = str(error.value)
        assert str(bad) in message and "4" in message, f"the message should name the id {bad} and the size 4, got: {message!r}"


def test_rejects_ids_that_are_not_integers(embedding, weight):
    """Float ids are a TypeError."""
    with must_raise(TypeError, "embedding_lookup(float ids, weight)"):
        embedding.embedding_lookup(torch.tensor([0.0, 1.0]), weight)
