# Your copy of the exercises in this module: replace each `raise NotImplementedError(...)`
# with your code, then run the tests named in its message. (Generated from the
# reference by `python -m grader build`; the docstrings are your specification.)
"""Exercise 3: an embedding is a table lookup.

One id per word says nothing about the word. We give every id in the
vocabulary a vector of ``k`` numbers instead, row ``i`` of a learned matrix
``weight`` of shape ``(vocab, k)``. Training moves the rows of words used
alike (``great``, ``superb``) close together.

Looking up row ``i`` is the same as multiplying the one-hot vector of ``i`` by
the matrix: for a one-hot row ``e_i`` (1 at position ``i``, 0 elsewhere),

    e_i @ weight = sum_j e_i[j] * weight[j] = weight[i]

so ``embedding_lookup(ids, W) == one_hot(ids, vocab).float() @ W``. Indexing
gives the same numbers without building a ``(..., vocab)`` matrix of zeros,
and gradients still flow into exactly the rows that were used.
This is what ``torch.nn.Embedding`` does.
"""

from __future__ import annotations

import torch

from .validate import require_float_tensor, require_integer_tensor


def embedding_lookup(ids: torch.LongTensor, weight: torch.Tensor) -> torch.Tensor:
    """Replace every id by its row of ``weight``.

    ``out[..., :] = weight[ids[...], :]``, which equals
    ``one_hot(ids, vocab).to(weight.dtype) @ weight`` and is differentiable
    with respect to ``weight``.

    Args:
        ids: integer tensor ``(...)`` of token ids, any shape,
            e.g. ``(batch, T)``.
        weight: tensor ``(vocab, k)``, one row per id.

    Returns:
        Tensor ``(..., k)`` with the dtype of ``weight``.

    Raises:
        TypeError: if ``ids`` does not hold integers or ``weight`` is not a
            floating-point tensor.
        ValueError: if ``weight`` is not two-dimensional.
        IndexError: if an id is outside ``[0, vocab)``; the message names
            that id and the vocabulary size ``vocab``.
    """
    raise NotImplementedError('Exercise 3 (embedding_lookup): Replace every id by its row of weight.')
