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
        ### BEGIN SOLUTION
        super().__init__()
        self.max_len = require_int(max_len, "max_len", minimum=1)
        require_int(k, "k", minimum=1)
        self.embedding = nn.Embedding(max_len, k)
        ### END SOLUTION

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
        ### BEGIN SOLUTION
        require_float_tensor(x, "x")
        if x.dim() != 3:
            raise ValueError(f"x must have shape (batch, T, k), got {tuple(x.shape)}")
        T = x.shape[1]
        if T > self.max_len:
            raise ValueError(f"sequence length T={T} exceeds max_len={self.max_len}; truncate the input or raise max_len")
        positions = torch.arange(T, device=x.device)  # (T,): 0, 1, ..., T-1
        return x + self.embedding(positions)  # (batch, T, k) + (T, k) broadcasts over the batch
        ### END SOLUTION


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
    ### BEGIN SOLUTION
    require_int(max_len, "max_len", minimum=1)
    require_int(k, "k", minimum=1)
    position = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)  # (max_len, 1)
    two_i = torch.arange(0, k, 2, dtype=torch.float64)  # (ceil(k/2),): 0, 2, 4, ...
    angle = position / 10000 ** (two_i / k)  # (max_len, ceil(k/2))
    pe = torch.zeros(max_len, k, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : k // 2])
    return pe.float()
    ### END SOLUTION
