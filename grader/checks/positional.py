"""Hidden checks of Exercise 5: PositionalEmbedding."""

import torch

from . import check, outcome
from .helpers import loaded, randn, state_layout


def _positions(impl, max_len: int = 8, k: int = 4, seed: int = 20):
    return loaded(impl.positional.PositionalEmbedding(max_len, k), {"embedding.weight": randn(max_len, k, seed=seed)})


@check("positional", "PositionalEmbedding has one parameter, embedding = nn.Embedding(max_len, k)")
def state_dict_layout(impl):
    return state_layout(impl.positional.PositionalEmbedding(9, 5))


@check("positional", "forward adds row p of the table to the word at position p (positions count from 0), for every review")
def adds_the_row_of_each_position(impl):
    pe = _positions(impl)
    return pe(randn(3, 5, 4, seed=1)), pe(torch.zeros(2, 5, 4))  # a zero x gives the rows themselves


@check("positional", "T = 1 uses row 0 only, and T = max_len uses every row")
def shortest_and_longest_reviews(impl):
    pe = _positions(impl)
    return pe(randn(2, 1, 4, seed=2)), pe(randn(1, 8, 4, seed=3))


@check("positional", "the positions are broadcast over the batch: a batch of 1 and of 5 get the same position vectors")
def positions_broadcast_over_the_batch(impl):
    pe = _positions(impl)
    x = randn(5, 3, 4, seed=4)
    return pe(x[:1]), pe(x)


@check("positional", "a review longer than max_len raises a ValueError (there is no vector for that position)")
def rejects_reviews_longer_than_max_len(impl):
    pe = _positions(impl)
    return (outcome(lambda: pe(randn(1, 9, 4, seed=5)), "PositionalEmbedding(max_len=8, k=4) on T = 9"),
            outcome(lambda: pe(randn(2, 12, 4, seed=6)), "PositionalEmbedding(max_len=8, k=4) on T = 12"))


@check("positional", "float64 in gives float64 out (after .double())")
def float64_stays_float64(impl):
    return _positions(impl).double()(randn(2, 3, 4, seed=7, dtype=torch.float64))


@check("positional", "the position table learns: it starts random as nn.Embedding does, one backward pass gives it the summed gradient of its rows, the gradient flows on to x, and x is not changed in place")
def table_learns_and_x_is_unchanged(impl):
    pe = _positions(impl).train()
    x = randn(3, 5, 4, seed=8).requires_grad_(True)
    before = x.detach().clone()
    (pe(x) * randn(3, 5, 4, seed=9)).sum().backward()
    grad = pe.embedding.weight.grad, x.grad  # the gradient flows on to the word vectors too
    # A new table starts as nn.Embedding does, random: zeros would give every position the same vector.
    fresh = impl.positional.PositionalEmbedding(64, 8).embedding.weight
    return grad, torch.equal(x.detach(), before), bool(fresh.std() > 0.5)


@check("positional", "the errors the docstring documents: max_len or k not positive, x not (batch, T, k) (ValueError)")
def rejects_bad_sizes(impl):
    make = impl.positional.PositionalEmbedding
    return [outcome(lambda: make(0, 4), "PositionalEmbedding(max_len=0, k=4)"), outcome(lambda: make(8, 0), "PositionalEmbedding(max_len=8, k=0)"),
            outcome(lambda: make(-1, 4), "PositionalEmbedding(max_len=-1, k=4)"), outcome(lambda: make(3, -4), "PositionalEmbedding(max_len=3, k=-4)"),
            outcome(lambda: _positions(impl)(randn(5, 4, seed=16)), "PositionalEmbedding's forward on a 2-D x"),
            outcome(lambda: _positions(impl)(randn(4, seed=16)), "PositionalEmbedding's forward on a 1-D x"),
            outcome(lambda: _positions(impl)(randn(2, 3, 5, 4, seed=17)), "PositionalEmbedding's forward on a 4-D x")]
