"""Positional embeddings of the reference (solutions/positional.py)."""

import math

import pytest
import torch
from torch.testing import assert_close

from solutions.positional import PositionalEmbedding, sinusoidal_encoding


def test_positional_embedding_adds_row_p_at_position_p(gen):
    """forward(x) = x + embedding.weight[:T], the same rows for every review."""
    pe = PositionalEmbedding(max_len=8, k=3)
    x = torch.randn(2, 5, 3, generator=gen)
    assert_close(pe(x), x + pe.embedding.weight[:5].unsqueeze(0))


def test_positional_embedding_accepts_any_length_up_to_max_len():
    """T = 1 and T = max_len both work; T = max_len + 1 names both numbers."""
    pe = PositionalEmbedding(max_len=4, k=2)
    assert pe(torch.zeros(3, 1, 2)).shape == (3, 1, 2)
    assert pe(torch.zeros(1, 4, 2)).shape == (1, 4, 2)
    with pytest.raises(ValueError, match="T=5 exceeds max_len=4"):
        pe(torch.zeros(1, 5, 2))


@pytest.mark.parametrize(("args", "error"), [((0, 4), ValueError), ((4, 0), ValueError), ((4.5, 2), TypeError)])
def test_positional_embedding_rejects_bad_sizes(args, error):
    """Sizes must be positive ints."""
    with pytest.raises(error):
        PositionalEmbedding(*args)


def test_sinusoidal_encoding_by_hand():
    """PE[p, 2i] = sin(p / 10000^(2i/k)), PE[p, 2i+1] = cos(p / 10000^(2i/k)), for k = 6 and p = 3."""
    pe = sinusoidal_encoding(5, 6)
    assert pe.shape == (5, 6) and pe.dtype == torch.float32
    rates = [1.0, 10000 ** (-2 / 6), 10000 ** (-4 / 6)]
    expected = [f(3 * r) for r in rates for f in (math.sin, math.cos)]
    assert_close(pe[3], torch.tensor(expected))


def test_sinusoidal_encoding_gives_every_position_its_own_vector():
    """No two positions of a 512 x 64 table coincide."""
    pe = sinusoidal_encoding(512, 64)
    distances = torch.cdist(pe, pe) + torch.eye(512) * 1e9
    assert distances.min() > 0.1


@pytest.mark.parametrize(("args", "error"), [((0, 4), ValueError), ((4, -1), ValueError), ((4, "8"), TypeError)])
def test_sinusoidal_encoding_rejects_bad_sizes(args, error):
    """Sizes must be positive ints."""
    with pytest.raises(error):
        sinusoidal_encoding(*args)
