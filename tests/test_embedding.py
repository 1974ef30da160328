"""Embedding lookup of the reference (solutions/embedding.py)."""

import pytest
import torch
from torch.testing import assert_close

from solutions.embedding import embedding_lookup


def test_lookup_matches_nn_embedding(gen):
    """Same numbers and same gradient as torch.nn.Embedding with the same weight."""
    layer = torch.nn.Embedding(10, 4)
    weight = layer.weight.detach().clone().requires_grad_(True)
    ids = torch.randint(0, 10, (3, 5), generator=gen)
    ours, theirs = embedding_lookup(ids, weight), layer(ids)
    assert_close(ours, theirs)
    ours.pow(2).sum().backward()
    theirs.pow(2).sum().backward()
    assert_close(weight.grad, layer.weight.grad)


def test_lookup_keeps_dtype_and_accepts_any_integer_ids():
    """float64 weights give float64 vectors; int32 and uint8 ids work."""
    weight = torch.eye(3, dtype=torch.float64)
    for dtype in (torch.int32, torch.uint8, torch.int64):
        out = embedding_lookup(torch.tensor([2, 0], dtype=dtype), weight)
        assert out.dtype == torch.float64
        assert_close(out, torch.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], dtype=torch.float64))


def test_lookup_of_a_scalar_id_is_one_vector():
    """ids of shape () give shape (k,)."""
    assert_close(embedding_lookup(torch.tensor(1), torch.eye(2)), torch.tensor([0.0, 1.0]))


@pytest.mark.parametrize(("ids", "weight", "error", "pattern"), [
    (torch.tensor([0, 5]), torch.zeros(5, 2), IndexError, "id 5 .* size 5"),
    (torch.tensor([[-2, 0]]), torch.zeros(5, 2), IndexError, "id -2 .* size 5"),
    (torch.tensor([0.0]), torch.zeros(5, 2), TypeError, "integer"),
    (torch.tensor([True]), torch.zeros(5, 2), TypeError, "integer"),
    ([0, 1], torch.zeros(5, 2), TypeError, "Tensor"),
    (torch.tensor([0]), torch.zeros(5), ValueError, r"\(vocab, k\)"),
    (torch.tensor([0]), torch.zeros(5, 2, dtype=torch.long), TypeError, "floating"),
])
def test_lookup_rejects_bad_input_naming_it(ids, weight, error, pattern):
    """Out-of-range ids name the id and the vocabulary size; wrong types say what was expected."""
    with pytest.raises(error, match=pattern):
        embedding_lookup(ids, weight)
