"""Hidden checks of Exercise 4: attention_weights and self_attention."""

import torch

from . import check, outcome
from .helpers import padded_mask, randn, worked_example


@check("attention", "attention_weights on the course's 1x5x7 example: softmax(X X^T / sqrt(k)), softmax over each row")
def worked_example_weights(impl):
    return impl.attention.attention_weights(worked_example())


@check("attention", "attention_weights on random inputs: every row a softmax over the keys, scores divided by sqrt(k)")
def weights_on_random_inputs(impl):
    return impl.attention.attention_weights(randn(2, 6, 8, seed=1))


@check("attention", "any leading dimensions (...) work, and so do T = 1 and a batch of 1")
def weights_for_any_batch_shape(impl):
    weights = impl.attention.attention_weights
    four_d, single = randn(2, 3, 4, 5, seed=2), randn(4, 3, seed=4)
    # Each call on its own, so that one that fails does not hide how the others do.
    return (outcome(lambda: weights(four_d)), outcome(lambda: weights(randn(1, 1, 6, seed=3))), outcome(lambda: weights(single)),
            outcome(lambda: weights(four_d, torch.arange(4) < torch.tensor([[4, 2, 1], [3, 4, 0]]).unsqueeze(-1))),  # a (2, 3, 4) mask
            outcome(lambda: weights(single, torch.tensor([True, True, False, True]))))  # a (T,) mask for one sequence


@check("attention", "keys where the mask is False get weight 0 and the rest still sum to 1 (mask the keys, i.e. columns); the caller's scores are left as they were")
def weights_with_a_padding_mask(impl):
    X = randn(3, 6, 5, seed=5)
    # The padded word points away from both real words: its scores with them are about -1e10,
    # lower than any "large negative" fill value, yet its weights on padding must still be 0.
    far = torch.tensor([[[1e5, 1e5], [1e5, 0.0], [-1e5, -1e5]]])
    # masked_softmax on scores of the caller's: filling them in place would change them.
    scores = randn(2, 4, 4, seed=15)
    weights = impl.attention.masked_softmax(scores, padded_mask([4, 2], 4).unsqueeze(-2))
    return (impl.attention.attention_weights(X, padded_mask([6, 4, 1], 6)), impl.attention.attention_weights(far, padded_mask([2], 3)),
            weights, scores)


@check("attention", "a sequence that is all padding gets weights of 0, never NaN, and self_attention outputs of 0; so does any row of masked_softmax whose keys are all masked, with a full (T_query, T_key) mask too")
def all_padding_rows_are_zero(impl):
    X, mask = randn(2, 4, 3, seed=6), padded_mask([0, 2], 4)
    # A mask of every (query, key) pair, broadcastable to the scores as the docstring allows: row 1 has no key left.
    pairs = torch.tensor([[True, False, True], [False, False, False], [True, True, True]])
    return (impl.attention.attention_weights(X, mask), impl.attention.self_attention(X, mask),
            impl.attention.masked_softmax(randn(2, 3, 3, seed=16), pairs))


@check("attention", "large scores must not overflow: use a softmax that subtracts the row maximum (torch.softmax does)")
def large_inputs_stay_finite(impl):
    X = randn(2, 5, 6, seed=7, scale=300.0)
    return impl.attention.attention_weights(X), impl.attention.attention_weights(X, padded_mask([5, 3], 5))


@check("attention", "self_attention(X) = attention_weights(X) @ X: each output word is a weighted average of the input words, for any leading dimensions")
def self_attention_on_random_inputs(impl):
    attend = impl.attention.self_attention
    return attend(randn(2, 5, 7, seed=8)), attend(worked_example()), outcome(lambda: attend(randn(5, 7, seed=8))), outcome(lambda: attend(randn(2, 2, 5, 7, seed=8)))


@check("attention", "self_attention with a mask: the padded words contribute nothing to the averages")
def self_attention_with_a_mask(impl):
    return impl.attention.self_attention(randn(2, 5, 4, seed=9), padded_mask([3, 5], 5))


@check("attention", "float64 in gives float64 out, and float16 masked weights stay float16")
def float64_stays_float64(impl):
    X = randn(1, 4, 3, seed=10, dtype=torch.float64)
    # float16 too: a fill value of another dtype (float32's minimum) does not fit in it
    half = randn(2, 4, 3, seed=10).half()
    return (impl.attention.attention_weights(X), impl.attention.self_attention(X, padded_mask([3], 4)),
            impl.attention.attention_weights(half, padded_mask([4, 2], 4)))


@check("attention", "the input X must not be modified in place (no X /= ..., no masked_fill_ on it)")
def inputs_are_not_modified(impl):
    X = randn(2, 4, 6, seed=11)
    mask = padded_mask([4, 2], 4)
    before = X.clone(), mask.clone()
    impl.attention.attention_weights(X, mask)
    impl.attention.self_attention(X, mask)
    return torch.equal(X, before[0]), torch.equal(mask, before[1])


@check("attention", "gradients flow back to X through both the weights and the average")
def gradient_reaches_the_input(impl):
    X = randn(2, 4, 5, seed=12).requires_grad_(True)
    out = impl.attention.self_attention(X, padded_mask([4, 3], 4))
    (out * randn(2, 4, 5, seed=13)).sum().backward()
    return X.grad


@check("attention", "the errors the docstring documents: X not floating-point or a mask not bool (TypeError); X with fewer than 2 dimensions or a mask not of shape X.shape[:-1] (ValueError)")
def rejects_bad_inputs(impl):
    weights, X = impl.attention.attention_weights, randn(2, 3, 4, seed=14)
    return [outcome(lambda: weights(torch.ones(2, 3, 4, dtype=torch.long)), "attention_weights on an X of integers"),
            outcome(lambda: weights(X, torch.ones(2, 3)), "attention_weights with a float mask"),
            outcome(lambda: weights(X, torch.ones(2, 3, dtype=torch.long)), "attention_weights with a 0/1 integer mask"),
            outcome(lambda: weights(randn(4, seed=15)), "attention_weights on a 1-D X"),
            outcome(lambda: weights(X, torch.ones(2, 4, dtype=torch.bool)), "attention_weights with a mask of the wrong shape"),
            outcome(lambda: weights(X, torch.ones(3, dtype=torch.bool)), "attention_weights with a (T,) mask for a (batch, T, k) X")]
