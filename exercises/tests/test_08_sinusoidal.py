"""Bonus: sinusoidal position encoding (sinusoidal_encoding in exercises/positional.py)."""

import math

import pytest
import torch

from .checks import expect_close

pytestmark = pytest.mark.sinusoidal


def test_has_one_row_per_position(positional):
    """The table is (max_len, k)."""
    pe = positional.sinusoidal_encoding(10, 6)
    assert tuple(pe.shape) == (10, 6), f"expected (max_len, k) = (10, 6), got {tuple(pe.shape)}"


def test_position_zero_is_sin_0_and_cos_0(positional):
    """At p = 0 every sine is 0 and every cosine is 1."""
    expect_close(positional.sinusoidal_encoding(3, 6)[0], torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]), "even features are sines, odd features cosines")


def test_values_at_position_one(positional):
    """PE[1, 2i] = sin(1 / 10000^(2i/k)) and PE[1, 2i+1] = cos(1 / 10000^(2i/k)), here k = 4."""
    slow = 1 / 10000 ** (2 / 4)
    expected = torch.tensor([math.sin(1), math.cos(1), math.sin(slow), math.cos(slow)])
    expect_close(positional.sinusoidal_encoding(2, 4)[1], expected, "the frequency of pair i is 1 / 10000^(2i/k)")


def test_odd_k_ends_with_a_sine(positional):
    """With k = 5 the last feature is the sine of pair 2."""
    pe = positional.sinusoidal_encoding(4, 5)
    expect_close(pe[:, 4], torch.sin(torch.arange(4) / 10000 ** (4 / 5)), "for odd k, feature k-1 is sin(p / 10000^((k-1)/k))")
