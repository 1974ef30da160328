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
        ### BEGIN SOLUTION
        super().__init__()
        require_int(ff_mult, "ff_mult", minimum=1)
        self.attention = SelfAttention(k, heads)
        self.norm1 = nn.LayerNorm(k)
        self.norm2 = nn.LayerNorm(k)
        self.ff = nn.Sequential(nn.Linear(k, ff_mult * k), nn.ReLU(), nn.Linear(ff_mult * k, k))
        self.dropout = nn.Dropout(_require_dropout(dropout))
        ### END SOLUTION

    def forward(self, x: torch.Tensor, mask: torch.BoolTensor | None = None) -> torch.Tensor:
        """``x + dropout(attention(norm1(x), mask))``, then ``x + dropout(ff(norm2(x)))``.

        Args:
            x: float tensor ``(batch, T, k)``.
            mask: bool tensor ``(batch, T)``, True at real tokens, or None.

        Returns:
            Tensor ``(batch, T, k)``.
        """
        ### BEGIN SOLUTION
        x = x + self.dropout(self.attention(self.norm1(x), mask))
        return x + self.dropout(self.ff(self.norm2(x)))
        ### END SOLUTION


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
        ### BEGIN SOLUTION
        super().__init__()
        require_int(vocab_size, "vocab_size", minimum=1)
        require_int(depth, "depth", minimum=1)
        require_int(num_classes, "num_classes", minimum=2)
        if pool not in POOLS:
            raise ValueError(f"pool must be one of {POOLS}, got {pool!r}")
        if not 0 <= require_int(pad_id, "pad_id") < vocab_size:
            raise ValueError(f"pad_id={pad_id} must be an id of the vocabulary [0, {vocab_size})")
        self.pool, self.pad_id = pool, pad_id
        self.token_embedding = nn.Embedding(vocab_size, k, padding_idx=pad_id)
        self.position = PositionalEmbedding(max_len, k)
        self.blocks = nn.ModuleList(TransformerBlock(k, heads, dropout=dropout) for _ in range(depth))
        self.norm = nn.LayerNorm(k)
        self.head = nn.Linear(k, num_classes)
        self.dropout = nn.Dropout(_require_dropout(dropout))
        ### END SOLUTION

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
        ### BEGIN SOLUTION
        require_integer_tensor(ids, "ids")
        if ids.dim() != 2:
            raise ValueError(f"ids must have shape (batch, T), got {tuple(ids.shape)}")
        mask = padding_mask(ids, self.pad_id)  # (batch, T)
        h = self.dropout(self.position(self.token_embedding(ids)))  # (batch, T, k)
        for block in self.blocks:
            h = block(h, mask)
        return self.head(pool_tokens(self.norm(h), mask, self.pool))  # (batch, num_classes)
        ### END SOLUTION


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
    ### BEGIN SOLUTION
    require_float_tensor(h, "h")
    if pool not in POOLS:
        raise ValueError(f"pool must be one of {POOLS}, got {pool!r}")
    keep = mask.unsqueeze(-1)  # (batch, T, 1)
    if pool == "mean":
        count = keep.sum(dim=1).clamp(min=1)  # (batch, 1); at least 1 avoids 0/0 for an all-padding row
        return (h * keep).sum(dim=1) / count
    top = h.masked_fill(~keep, float("-inf")).amax(dim=1)  # (batch, k); -inf where a row has no token
    return torch.where(keep.any(dim=1), top, torch.zeros_like(top))
    ### END SOLUTION
