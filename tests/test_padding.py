"""Padding and masks of the reference (solutions/padding.py)."""

import pytest
import torch
from torch.testing import assert_close

from solutions.padding import pad_sequences, padding_mask


def test_pad_sequences_accepts_lists_tuples_and_tensors():
    """Any sequence of ids works, including 1-D tensors and empty sequences."""
    ids = pad_sequences([(4, 5), torch.tensor([6]), [], [7, 8, 9]])
    assert_close(ids, torch.tensor([[4, 5, 0], [6, 0, 0], [0, 0, 0], [7, 8, 9]]))
    assert ids.dtype == torch.long


def test_pad_sequences_of_nothing_is_an_empty_batch():
    """No sequences give a (0, 0) tensor, or (0, max_len)."""
    assert pad_sequences([]).shape == (0, 0)
    assert pad_sequences([], max_len=3).shape == (0, 3)


def test_pad_sequences_truncates_and_pads_in_one_batch():
    """With max_len, long rows keep their start and short rows are padded."""
    assert_close(pad_sequences([[1, 2, 3, 4], [5]], max_len=3, pad_id=9), torch.tensor([[1, 2, 3], [5, 9, 9]]))


def test_pad_sequences_does_not_modify_its_input():
    """The caller's lists and tensors are left as they were."""
    seqs = [[1, 2, 3], torch.tensor([4, 5])]
    pad_sequences(seqs, max_len=2)
    assert seqs[0] == [1, 2, 3]
    assert_close(seqs[1], torch.tensor([4, 5]))


@pytest.mark.parametrize(("seqs", "kwargs", "error", "names"), [
    ([[1, 2]], {"max_len": 0}, ValueError, "max_len"),
    ([[1, 2]], {"max_len": -1}, ValueError, "max_len"),
    ([[1, 2]], {"max_len": 2.0}, TypeError, "max_len"),
    ([[1, 2.5]], {}, TypeError, "sequence 0"),
    ([[1], ["a", "b"]], {}, TypeError, "sequence 1"),
    ([[1], "a review"], {}, TypeError, "encode"),
    ([[[1, 2], [3, 4]]], {}, ValueError, "one-dimensional"),
    ([[1]], {"pad_id": 0.5}, TypeError, "pad_id"),
])
def test_pad_sequences_rejects_bad_input_naming_it(seqs, kwargs, error, names):
    """Each kind of bad input is an error whose message names the culprit."""
    with pytest.raises(error, match=names):
        pad_sequences(seqs, **kwargs)


def test_padding_mask_works_for_any_shape_and_pad_id():
    """The mask compares every id with pad_id."""
    assert_close(padding_mask(torch.tensor([3, 3, 1]), pad_id=3), torch.tensor([False, False, True]))


def test_padding_mask_rejects_non_integer_ids():
    """A float tensor or a list is a TypeError."""
    with pytest.raises(TypeError, match="dtype"):
        padding_mask(torch.zeros(2, 3))
    with pytest.raises(TypeError, match="Tensor"):
        padding_mask([[1, 0]])
