# Your copy of the exercises in this module: replace each `raise NotImplementedError(...)`
# with your code, then run the tests named in its message. (Generated from the
# reference by `python -m grader build`; the docstrings are your specification.)
"""Exercise 5 (and the bonus): telling self-attention where each word is.

Self-attention is a weighted average whose weights depend only on which
vectors are present, not on where they are: shuffle the words of
``"not good, bad"`` and every output vector is the same, only shuffled. Yet
``"good, not bad"`` means something else. The fix is to make the vectors
themselves carry their position: add to the word at position ``p`` a vector
that depends on ``p`` alone,

    x'_p = x_p + P[p]         P of shape (max_len, k)

Now the same word at two places gives two different vectors, and the
attention weights can depend on order.

``PositionalEmbedding`` learns ``P`` as one more embedding table, indexed by
position instead of by word (as in BERT). The bonus, ``sinusoidal_encoding``,
is the fixed choice of the original Transformer paper: sines and cosines of
geometrically spaced frequencies, so that every position gets a distinct
pattern and nearby positions get similar ones.
"""

from __future__ import annotations

import torch
from torch import nn

from .validate import require_float_tensor, require_int


class PositionalEmbedding(nn.Module):
    """Adds a learned vector per position: ``x + embedding(arange(T))``.

    Attributes:
        embedding: ``nn.Embedding(max_len, k)``, row ``p`` for position ``p``.
    """

    def __init__(self, max_len: int, k: int) -> None:
        """A table of ``max_len`` learned position vectors of size ``k``.

        Raises:
            ValueError: if ``max_len`` or ``k`` is not positive.
        """
        raise NotImplementedError('Exercise 5 (PositionalEmbedding.__init__): A table of max_len learned position vectors of size k.')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Add position ``p``'s vector to every word at position ``p``.

        Args:
            x: float tensor ``(batch, T, k)``, with ``T <= max_len``.

        Returns:
            Tensor ``(batch, T, k)``: ``x[b, p] + embedding.weight[p]``, the
            same position vectors for every review in the batch.

        Raises:
            ValueError: if ``T > max_len`` or ``x`` is not ``(batch, T, k)``.
        """
        raise NotImplementedError("Exercise 5 (PositionalEmbedding.forward): Add position p's vector to every word at position p.")


def sinusoidal_encoding(max_len: int, k: int) -> torch.Tensor:
    """The fixed position vectors of "Attention Is All You Need".

    Feature pair ``(2i, 2i+1)`` is a sine and a cosine of frequency
    ``1 / 10000^(2i/k)``:

        PE[p, 2i]   = sin(p / 10000^(2i/k))
        PE[p, 2i+1] = cos(p / 10000^(2i/k))

    The first pairs turn fast with ``p`` and the last ones slowly, like the
    hands of a clock. For odd ``k`` the last feature is a sine alone.

    Returns:
        float32 tensor ``(max_len, k)``.

    Raises:
        ValueError: if ``max_len`` or ``k`` is not positive.
    """
    raise NotImplementedError('Bonus (sinusoidal_encoding): The fixed position vectors of "Attention Is All You Need".')
