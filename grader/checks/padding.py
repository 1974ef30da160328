"""Hidden checks of Exercise 2: pad_sequences and padding_mask."""

import torch

from . import check, outcome, outcome_naming
from .helpers import generator, randint


def _sequences(seed: int, count: int = 6, longest: int = 9) -> list[list[int]]:
    g = generator(seed)
    return [torch.randint(1, 50, (int(torch.randint(0, longest, (1,), generator=g)),), generator=g).tolist() for _ in range(count)]


@check("padding", "pad_sequences pads every sequence at the end, to the longest one, as a LongTensor (batch, T)")
def pad_to_the_longest(impl):
    return [impl.padding.pad_sequences(_sequences(seed)) for seed in range(3)]


@check("padding", "with max_len, T = max_len: short sequences are padded and long ones keep their first max_len ids")
def pad_to_max_len(impl):
    seqs = _sequences(5, longest=12)
    return [impl.padding.pad_sequences(seqs, max_len=m) for m in (1, 4, 12, 20)]


@check("padding", "the padding value is pad_id, not always 0 (and then id 0 is a real id, kept as it is)")
def pad_with_pad_id(impl):
    return [impl.padding.pad_sequences(_sequences(6), max_len=m, pad_id=p) for m, p in ((None, 7), (5, -1))] + [
        impl.padding.pad_sequences([[0, 5, 0], [7]], pad_id=3)]  # id 0 is a real id when pad_id is 3


@check("padding", "sequences may be tuples or 1-D tensors (the rows of a 2-D tensor too), and the input must not be changed")
def pad_tensors_and_tuples(impl):
    seqs = [torch.tensor([3, 4, 5]), (6, 7), torch.tensor([8])]
    copies = [s.clone() if isinstance(s, torch.Tensor) else s for s in seqs]
    padded = impl.padding.pad_sequences(seqs, max_len=2)
    unchanged = all(torch.equal(a, b) if isinstance(a, torch.Tensor) else a == b for a, b in zip(seqs, copies))
    # A 2-D tensor is a sequence of 1-D rows like any other: cut to max_len, and a new LongTensor.
    rows = torch.tensor([[1, 2, 3, 4, 5, 6], [7, 8, 0, 0, 0, 0]], dtype=torch.int32)
    return padded, unchanged, impl.padding.pad_sequences(rows, max_len=4)


@check("padding", "edge cases: a batch of one, T = 1, an empty sequence in the batch, and an empty batch ((0, max_len) when max_len is given)")
def pad_edge_cases(impl):
    pad = impl.padding.pad_sequences
    return pad([[5, 6, 7]]), pad([[5], [6]]), pad([[], [4, 2]]), pad([[9, 9]], max_len=1), pad([]), pad([], max_len=5)


@check("padding", "the errors the docstrings document: max_len <= 0 or a sequence that is not 1-D, a number included (ValueError), ids that are not integers (TypeError naming the sequence by its index; in padding_mask floats and bools)")
def pad_rejects_bad_max_len(impl):
    pad, mask = impl.padding.pad_sequences, impl.padding.padding_mask
    return [outcome(lambda: pad([[1, 2]], max_len=m), f"pad_sequences(seqs, max_len={m})") for m in (0, -2)] + [
        outcome(lambda: pad([torch.tensor([[1, 2], [3, 4]])]), "pad_sequences on a 2-D sequence"),
        outcome(lambda: pad([[1, 2], 5]), "pad_sequences with a number where a sequence is expected"),
        outcome(lambda: pad([[1.5, 2]]), "pad_sequences on ids that are floats"),
        outcome(lambda: mask(torch.tensor([[1.0, 0.0]])), "padding_mask on a float tensor"),
        outcome(lambda: mask(torch.tensor([[True, False]])), "padding_mask on a bool tensor"),
        outcome_naming(lambda: pad([[1, 2], [3], [1.5, 2]]), "pad_sequences with float ids in sequence 2, its message naming sequence 2,", "TypeError", "sequence 2")]


@check("padding", "padding_mask is a bool tensor, True at real tokens and False where ids == pad_id, for ids of any integer dtype (int32 and uint8 too)")
def mask_of_padded_batch(impl):
    ids = _padded_batch(4)
    mask = impl.padding.padding_mask
    return mask(ids), mask(ids[:1, :1]), outcome(lambda: mask(ids.int())), outcome(lambda: mask(ids.to(torch.uint8)))


@check("padding", "padding_mask compares with pad_id: with pad_id=3 or 1, id 0 is a real token")
def mask_with_other_pad_id(impl):
    ids = randint(0, 5, (3, 6), seed=8)
    return impl.padding.padding_mask(ids, pad_id=3), impl.padding.padding_mask(ids, pad_id=1)


def _padded_batch(seed: int) -> torch.Tensor:
    """A padded batch built without the code under test."""
    ids = randint(1, 30, (4, 7), seed=seed)
    for row, length in enumerate((7, 3, 1, 5)):
        ids[row, length:] = 0
    return ids


@check("padding", "pad_sequences leaves the lists it is given unchanged (no padding appended to them in place)")
def lists_are_not_modified(impl):
    seqs = [[5, 6, 7], [8], [], [9, 10]]
    before = [list(s) for s in seqs]
    padded = impl.padding.pad_sequences(seqs, max_len=3, pad_id=2)
    return padded, seqs == before
