"""Hidden checks of Exercise 3: embedding_lookup."""

import torch

from . import check, outcome, outcome_naming
from .helpers import randint, randn


@check("embedding", "embedding_lookup returns row i of weight for id i")
def lookup_random_ids(impl):
    return impl.embedding.embedding_lookup(randint(0, 11, (2, 5), seed=1), randn(11, 4, seed=2))


@check("embedding", "ids of any shape (...) give vectors of shape (..., k), also ids that are a transposed (non-contiguous) view")
def lookup_keeps_the_ids_shape(impl):
    weight = randn(6, 3, seed=3)
    ids_of_every_shape = (torch.tensor(4), randint(0, 6, (7,), seed=4), randint(0, 6, (2, 3, 4), seed=5), randint(0, 6, (1, 3), seed=14),
                          torch.zeros(0, dtype=torch.long), randint(0, 6, (3, 4), seed=16).t())
    return [impl.embedding.embedding_lookup(ids, weight) for ids in ids_of_every_shape] + [impl.embedding.embedding_lookup(torch.tensor([[2]]), randn(6, 1, seed=15))]


@check("embedding", "the vectors keep the dtype of weight (float64 in, float64 out; a float16 table is floating-point too), int32 and uint8 ids are looked up like any ids, and weight itself is not changed")
def lookup_keeps_dtype(impl):
    lookup, weight = impl.embedding.embedding_lookup, randn(5, 2, seed=7, dtype=torch.float64)
    # uint8 ids as long as the table: indexing with them as they are would select rows as a mask
    found = lookup(randint(0, 5, (3,), seed=6).int(), weight), outcome(lambda: lookup(torch.tensor([0, 3, 1, 1, 4], dtype=torch.uint8), weight))
    half = outcome(lambda: lookup(torch.tensor([4, 0]), weight.half()))
    return (*found, half, weight.requires_grad)  # the caller's table is left as it was (no requires_grad_ on it)


@check("embedding", "the lookup must be differentiable: the gradient of weight counts how often each row was used")
def lookup_gradient(impl):
    weight = randn(6, 3, seed=8).requires_grad_(True)
    out = impl.embedding.embedding_lookup(torch.tensor([[1, 4, 1], [0, 1, 5]]), weight)
    (out * randn(2, 3, 3, seed=9)).sum().backward()
    return weight.grad


@check("embedding", "an id outside [0, vocab) raises an IndexError whose message names the id and the vocabulary size")
def lookup_rejects_out_of_range_ids(impl):
    weight = randn(7, 2, seed=10)
    lookup = impl.embedding.embedding_lookup
    return [outcome_naming(lambda: lookup(torch.tensor([0, bad, 3, bad]), weight),  # twice: one message, not one per id
                           f"embedding_lookup with the id {bad} for a vocabulary of 7, its message naming both,", "IndexError", str(bad), "7")
            for bad in (7, -1, 12)]


@check("embedding", "the errors the docstring documents: ids that are not integers (bool included) or a weight that is not floating-point (TypeError), a weight that is not 2-D (ValueError)")
def lookup_rejects_float_ids(impl):
    lookup, ids = impl.embedding.embedding_lookup, torch.tensor([0, 1])
    return [outcome(lambda: lookup(torch.tensor([0.0, 1.0]), randn(3, 2, seed=11)), "embedding_lookup on float ids"),
            outcome(lambda: lookup(torch.tensor([True, False]), randn(3, 2, seed=11)), "embedding_lookup on bool ids (a mask)"),
            outcome(lambda: lookup(ids, torch.ones(3, 2, dtype=torch.long)), "embedding_lookup with an integer weight"),
            outcome(lambda: lookup(ids, [[0.5, 1.0], [2.0, 3.0]]), "embedding_lookup with a weight that is a list"),
            outcome(lambda: lookup(ids, randn(3, seed=12)), "embedding_lookup with a 1-D weight"),
            outcome(lambda: lookup(ids, randn(3, 2, 2, seed=13)), "embedding_lookup with a 3-D weight")]
