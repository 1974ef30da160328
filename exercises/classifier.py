# Your copy of the exercises in this module: replace each `raise NotImplementedError(...)`
# with your code, then run the tests named in its message. (Generated from the
# reference by `python -m grader build`; the docstrings are your specification.)
"""Exercise 7: a Transformer block, and the IMDB classifier built from them.

A block refines every word vector twice, each time adding a correction to it
(a residual connection, so that the gradient reaches early layers intact):

    x = x + attention(norm1(x), mask)      words exchange information
    x = x + ff(norm2(x))                   each word is processed on its own

``ff`` is a two-layer network applied to every position separately. The
LayerNorm before each step (pre-norm, as in GPT-2) keeps the input of every
sub-layer at a steady scale, which lets deep stacks train without warm-up
tricks.

The classifier reads a batch of padded ids and returns two logits per review:

    ids (batch, T) -> token embedding + positions -> dropout -> depth x block
        -> norm -> pool over the real tokens -> (batch, k) -> linear -> (batch, 2)

Pooling turns a variable number of word vectors into one review vector. The
mean (or the max) runs over real tokens only: padding is not part of the
review, and a review must get the same logits however much padding its batch
needed.
"""

from __future__ import annotations

import torch
from torch import nn

from .attention import SelfAttention
from .padding import padding_mask
from .positional import PositionalEmbedding
from .validate import require_float_tensor, require_int, require_integer_tensor

POOLS = ("mean", "max")


def _require_dropout(dropout: float) -> float:
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
    return float(dropout)


class TransformerBlock(nn.Module):
    """A pre-norm Transformer block: attention, then a feed-forward network.

    Attributes:
        attention: ``SelfAttention(k, heads)``.
        norm1, norm2: ``nn.LayerNorm(k)``, before attention and before ``ff``.
        ff: an ``nn.Sequential`` of ``nn.Linear(k, ff_mult*k)``, ``nn.ReLU()``
            and ``nn.Linear(ff_mult*k, k)``, in that order: ``ff[0]`` and
            ``ff[2]`` are the two linear layers.
        dropout: ``nn.Dropout(dropout)`` on each residual branch.
    """

    def __init__(self, k: int, heads: int, ff_mult: int = 4, dropout: float = 0.0) -> None:
        """Create the sub-layers for embeddings of size ``k``.

        Raises:
            ValueError: for a non-positive size or a dropout outside ``[0, 1)``.
        """
        raise NotImplementedError('Exercise 7 (TransformerBlock.__init__): Create the sub-layers for embeddings of size k.')

    def forward(self, x: torch.Tensor, mask: torch.BoolTensor | None = None) -> torch.Tensor:
        """``x + dropout(attention(norm1(x), mask))``, then ``x + dropout(ff(norm2(x)))``.

        Args:
            x: float tensor ``(batch, T, k)``.
            mask: bool tensor ``(batch, T)``, True at real tokens, or None.

        Returns:
            Tensor ``(batch, T, k)``.
        """
        raise NotImplementedError('Exercise 7 (TransformerBlock.forward): x + dropout(attention(norm1(x), mask)), then x + dropout(ff(norm2(x))).')


class TransformerClassifier(nn.Module):
    """Sentiment classifier: embeddings, ``depth`` Transformer blocks, pooling, a linear head.

    Attributes:
        token_embedding: ``nn.Embedding(vocab_size, k, padding_idx=pad_id)``.
        position: ``PositionalEmbedding(max_len, k)``.
        blocks: ``nn.ModuleList`` of ``depth`` ``TransformerBlock(k, heads, dropout=dropout)``.
        norm: ``nn.LayerNorm(k)`` after the last block.
        head: ``nn.Linear(k, num_classes)``.
        dropout: ``nn.Dropout(dropout)`` on the embedded input, after the
            positions are added and before the first block:
            ``dropout(position(token_embedding(ids)))``.
    """

    def __init__(
        self,
        vocab_size: int,
        k: int,
        heads: int,
        depth: int,
        max_len: int,
        num_classes: int = 2,
        pool: str = "mean",
        dropout: float = 0.0,
        pad_id: int = 0,
    ) -> None:
        """Create the classifier.

        Raises:
            ValueError: for a non-positive size, fewer than two classes,
                ``pool`` not ``"mean"`` or ``"max"``, a dropout outside
                ``[0, 1)``, or ``pad_id`` outside the vocabulary.
        """
        raise NotImplementedError('Exercise 7 (TransformerClassifier.__init__): Create the classifier.')

    def forward(self, ids: torch.LongTensor) -> torch.Tensor:
        """Logits for a batch of padded reviews.

        Args:
            ids: integer tensor ``(batch, T)``, padded with ``pad_id``.

        Returns:
            Tensor ``(batch, num_classes)`` of logits (not probabilities:
            ``softmax`` them, or feed them to ``cross_entropy``).

        Raises:
            TypeError: if ``ids`` does not hold integers.
            ValueError: if ``ids`` is not two-dimensional or ``T > max_len``.
        """
        raise NotImplementedError('Exercise 7 (TransformerClassifier.forward): Logits for a batch of padded reviews.')


def pool_tokens(h: torch.Tensor, mask: torch.BoolTensor, pool: str = "mean") -> torch.Tensor:
    """One vector per review: the mean or the max of its real token vectors.

    Args:
        h: float tensor ``(batch, T, k)``.
        mask: bool tensor ``(batch, T)``, True at real tokens.
        pool: ``"mean"`` or ``"max"``.

    Returns:
        Tensor ``(batch, k)``; a review with no real token pools to zeros.

    Raises:
        ValueError: if ``pool`` is not ``"mean"`` or ``"max"``.
    """
    raise NotImplementedError('Exercise 7 (pool_tokens): One vector per review: the mean or the max of its real token vectors.')
