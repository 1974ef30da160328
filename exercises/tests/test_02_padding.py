"""Exercise 2: padding and mask (exercises/padding.py)."""

import pytest
import torch

from .checks import expect_close, expect_equal, must_raise

pytestmark = pytest.mark.padding


def test_pads_at_the_end_to_the_longest_sequence(padding):
    """Short sequences get pad ids appended at the end."""
    ids = padding.pad_sequences([[12, 7, 3], [5, 9]])
    expect_close(ids, torch.tensor([[12, 7, 3], [5, 9, 0]]), "padding goes at the end of each sequence, up to the longest one")


def test_returns_a_long_tensor_of_shape_batch_by_T(padding):
    """The result is one LongTensor of shape (batch, T)."""
    ids = padding.pad_sequences([[1], [2, 3, 4], [5, 6]])
    assert isinstance(ids, torch.Tensor) and ids.dtype == torch.long, "return a torch.LongTensor (dtype torch.long)"
    expect_equal(tuple(ids.shape), (3, 3), "shape should be (number of sequences, length of the longest)")


def test_max_len_pads_every_sequence_to_it(padding):
    """With max_len, T is max_len even if every sequence is shorter."""
    expect_close(padding.pad_sequences([[4], [5, 6]], max_len=4), torch.tensor([[4, 0, 0, 0], [5, 6, 0, 0]]), "with max_len given, T = max_len")


def test_max_len_keeps_the_first_ids_of_long_sequences(padding):
    """A sequence longer than max_len keeps its first max_len ids."""
    expect_close(padding.pad_sequences([[1, 2, 3, 4], [5]], max_len=2), torch.tensor([[1, 2], [5, 0]]), "cut long sequences to their first max_len ids")


def test_pad_id_is_the_fill_value(padding):
    """pad_id is written after the end of each sequence."""
    expect_close(padding.pad_sequences([[1, 2], [3]], pad_id=-1), torch.tensor([[1, 2], [3, -1]]), "fill with pad_id, not always 0")


def test_rejects_a_max_len_that_is_not_positive(padding):
    """max_len of 0 or less is a ValueError."""
    for bad in (0, -3):
        with must_raise(ValueError, f"pad_sequences(..., max_len={bad!r})"):
            padding.pad_sequences([[1, 2]], max_len=bad)


def test_mask_is_true_at_real_tokens_only(padding):
    """The mask is True at real tokens and False at padding."""
    mask = padding.padding_mask(torch.tensor([[12, 7, 0], [5, 0, 0]]))
    expect_close(mask, torch.tensor([[True, True, False], [True, False, False]]), "True where ids != pad_id, False at padding")
    assert mask.dtype == torch.bool, f"the mask should be a bool tensor, got {mask.dtype}"


def test_mask_uses_the_given_pad_id(padding):
    """With pad_id=2, id 0 is a real token and 2 is padding."""
    mask = padding.padding_mask(torch.tensor([[0, 2, 2]]), pad_id=2)
    expect_close(mask, torch.tensor([[True, False, False]]), "compare with pad_id, not with 0")


def test_the_lists_given_are_not_changed(padding):
    """pad_sequences builds a new tensor; the caller's lists keep their length."""
    seqs = [[5, 6, 7], [8]]
    padding.pad_sequences(seqs, pad_id=0)
    expect_equal(seqs, [[5, 6, 7], [8]], "do not append the padding to the lists you were given: copy them, or fill a new tensor")
