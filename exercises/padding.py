# Your copy of the exercises in this module: replace each `raise NotImplementedError(...)`
# with your code, then run the tests named in its message. (Generated from the
# reference by `python -m grader build`; the docstrings are your specification.)
"""Exercise 2: padding, and a mask that remembers where the padding is.

Reviews have different lengths, but a batch is one rectangular tensor so that
every review is processed in parallel. We append the id of ``<pad>`` to the
short ones until they are all ``T`` long (and cut the long ones at ``T``):

    [[12, 7, 3],        pad to T = 4        [[12, 7, 3, 0],
     [5, 9]]           ------------->        [ 5, 9, 0, 0]]

Padding is a convenience, not data: later layers must ignore it. The mask is
how they know where it is, True at a real token and False at padding.
"""

from __future__ import annotations

from typing import Sequence

import torch

from .validate import require_int, require_integer_tensor


def pad_sequences(
    seqs: Sequence[Sequence[int]],
    max_len: int | None = None,
    pad_id: int = 0,
) -> torch.LongTensor:
    """Stack sequences of ids into one ``(batch, T)`` tensor, padded at the end.

    ``T = max_len`` if it is given, else the length of the longest sequence.
    A sequence longer than ``max_len`` keeps its first ``max_len`` ids.

    The helper ``_as_ids`` below this function is given, not part of the
    exercise: ``_as_ids(seq, i)`` turns sequence number ``i`` into a 1-D
    LongTensor and raises the ``TypeError`` and ``ValueError`` listed here
    for a bad one, so calling it on every sequence gives those errors.

    >>> pad_sequences([[12, 7, 3], [5, 9]])
    tensor([[12,  7,  3],
            [ 5,  9,  0]])

    Args:
        seqs: ``batch`` sequences of integer ids (lists, tuples or 1-D tensors).
        max_len: the length ``T`` of the result, or None for the longest.
        pad_id: the id written after the end of each sequence.

    Returns:
        LongTensor ``(batch, T)``.

    Raises:
        ValueError: if ``max_len <= 0``, or a sequence is not one-dimensional.
        TypeError: if an id is not an integer (the message names the sequence
            by its index in ``seqs``).
    """
    raise NotImplementedError('Exercise 2 (pad_sequences): Stack sequences of ids into one (batch, T) tensor, padded at the end.')


# Given to the learner as it is (no exercise marker): the checks of one sequence
# are error handling, not what Exercise 2 teaches.
def _as_ids(seq: Sequence[int], index: int) -> torch.Tensor:
    """Sequence number ``index`` of a batch as a 1-D LongTensor, or a clear error."""
    if isinstance(seq, str):
        raise TypeError(f"sequence {index} is the string {seq[:40]!r}; encode tokens as ids first")
    try:
        ids = torch.as_tensor(seq)
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(f"sequence {index} must hold integer ids, got {seq!r:.60}") from error
    if ids.numel() == 0:
        return ids.new_zeros(0, dtype=torch.long)
    if ids.dim() != 1:
        raise ValueError(f"sequence {index} must be one-dimensional, got shape {tuple(ids.shape)}")
    require_integer_tensor(ids, f"sequence {index}")
    return ids.long()


def padding_mask(ids: torch.LongTensor, pad_id: int = 0) -> torch.BoolTensor:
    """Where the real tokens are: True at a real token, False at padding.

    >>> padding_mask(torch.tensor([[12, 7, 0], [5, 0, 0]]))
    tensor([[ True,  True, False],
            [ True, False, False]])

    Args:
        ids: LongTensor ``(batch, T)`` of token ids.
        pad_id: the id that marks padding.

    Returns:
        BoolTensor ``(batch, T)``.

    Raises:
        TypeError: if ``ids`` is not a tensor of integer ids.
    """
    raise NotImplementedError('Exercise 2 (padding_mask): Where the real tokens are: True at a real token, False at padding.')
