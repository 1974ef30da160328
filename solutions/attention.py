"""Exercises 4 and 6: self-attention, first plain, then learned.

Self-attention turns a sequence of ``T`` word vectors into another sequence of
``T`` vectors. Output ``i`` is a weighted average of all the inputs, and the
weights say how much word ``i`` should look at word ``j``:

    y_i = sum_j w_ij x_j        or, for the whole sequence,   Y = W X

with ``X`` of shape ``(T, k)``, one row per word. Where do the weights come
from? From the words themselves: ``x_i . x_j`` is large when the two vectors
point the same way. Divided by ``sqrt(k)`` (a dot product of ``k`` terms grows
like ``sqrt(k)``, and huge scores would make the softmax pick one word and
learn nothing about the rest), then a softmax along each row turns the
scores into positive weights that sum to 1:

    W = softmax(X X^T / sqrt(k))          (softmax over the last dimension)

Padding must not be looked at, so padded keys get weight 0 (the mask of
Exercise 2). That is all of Exercise 4: there is nothing to learn in it yet.

Exercise 6 makes it learnable. ``X`` plays three roles above: the word that
asks (the query, row ``i`` of the left ``X``), the words it is compared with
(the keys, ``X^T``) and the words that are averaged (the values, the right
``X``). Giving each role its own linear map lets training decide what to ask,
what to match and what to pass on:

    Q = X Wq,   K = X Wk,   V = X Wv

With several heads, the ``k`` features of ``Q``, ``K`` and ``V`` are cut into
``heads`` slices of ``s = k // heads``. Each head attends on its own slice,
and its dot products have ``s`` terms, so they are divided by ``sqrt(s)``:

    Y_h = softmax(Q_h K_h^T / sqrt(s)) V_h     (one head: s = k, as in Exercise 4)

One head can follow negation while another follows the subject, and a final
linear map ``unify_heads`` mixes the concatenated heads.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .validate import require_float_tensor, require_int, require_mask


def masked_softmax(scores: torch.Tensor, key_mask: torch.Tensor | None = None) -> torch.Tensor:
    """Softmax over the last dimension that gives masked keys weight 0.

    Args:
        scores: tensor ``(..., T_query, T_key)``.
        key_mask: bool tensor broadcastable to ``scores``, usually
            ``(..., 1, T_key)``; True at the keys that may be attended to,
            or None to attend to every key.

    Returns:
        Tensor ``(..., T_query, T_key)``: each row sums to 1 over its unmasked
        keys; a row whose keys are all masked is all zeros (never NaN).
    """
    ### BEGIN SOLUTION
    if key_mask is None:
        return scores.softmax(dim=-1)
    # The most negative finite score rather than -inf: exp() of it is 0 all the
    # same, but a row with every key masked stays finite instead of 0/0 = NaN.
    scores = scores.masked_fill(~key_mask, torch.finfo(scores.dtype).min)
    # softmax subtracts each row's maximum before exp(), so large scores
    # cannot overflow.
    weights = scores.softmax(dim=-1)
    # A row with no real key came out uniform; it must be zeros. Such rows are
    # rare (a sequence of padding only), so the pass over all T x T weights
    # is skipped when there are none.
    empty = ~key_mask.any(dim=-1, keepdim=True)  # (..., T_query or 1, 1)
    return weights.masked_fill(empty, 0.0) if empty.any() else weights
    ### END SOLUTION


def attention_weights(X: torch.Tensor, mask: torch.BoolTensor | None = None) -> torch.Tensor:
    """The weight matrix of self-attention: ``softmax(X X^T / sqrt(k))``.

    ``W[..., i, j]`` is how much word ``i`` attends to word ``j``. The softmax
    is taken over the last dimension, so every row sums to 1; keys where
    ``mask`` is False get weight 0, and a row with no real key is all zeros.

    Args:
        X: float tensor ``(..., T, k)``, e.g. ``(batch, T, k)``.
        mask: bool tensor ``(..., T)``, True at real tokens, or None.

    Returns:
        Tensor ``(..., T, T)``.

    Raises:
        TypeError: if ``X`` is not a floating-point tensor or ``mask`` not bool.
        ValueError: if ``X`` has fewer than 2 dimensions or ``mask`` is not
            ``X.shape[:-1]``.
    """
    ### BEGIN SOLUTION
    require_float_tensor(X, "X", min_dim=2)
    if mask is not None:
        require_mask(mask, X.shape[:-1])
    k = X.shape[-1]
    scores = X @ X.transpose(-2, -1) / math.sqrt(k)  # (..., T, T)
    key_mask = None if mask is None else mask.unsqueeze(-2)  # (..., 1, T): same keys for every query
    return masked_softmax(scores, key_mask)
    ### END SOLUTION


def self_attention(X: torch.Tensor, mask: torch.BoolTensor | None = None) -> torch.Tensor:
    """Self-attention without parameters: ``attention_weights(X, mask) @ X``.

    Each output vector is a weighted average of the input vectors. Shuffling
    the words shuffles the outputs the same way and changes nothing else:
    self-attention alone cannot see word order (Exercise 5 fixes that).

    Args:
        X: float tensor ``(..., T, k)``.
        mask: bool tensor ``(..., T)``, True at real tokens, or None.

    Returns:
        Tensor ``(..., T, k)``.
    """
    ### BEGIN SOLUTION
    return attention_weights(X, mask) @ X  # (..., T, T) @ (..., T, k) -> (..., T, k)
    ### END SOLUTION


class SelfAttention(nn.Module):
    """Multi-head self-attention with learned queries, keys and values.

    Each head scores with ``sqrt(s)``, the size ``s = k // heads`` of its slice,
    not ``sqrt(k)``.

    Attributes:
        to_queries, to_keys, to_values: ``nn.Linear(k, k, bias=False)``; head
            ``h`` uses their output features ``[h*s, (h+1)*s)``, ``s = k // heads``.
        unify_heads: ``nn.Linear(k, k)`` applied to the heads concatenated in order.
    """

    def __init__(self, k: int, heads: int = 1) -> None:
        """Create the four linear maps for embeddings of size ``k``.

        Raises:
            ValueError: if ``k`` or ``heads`` is not positive, or ``k % heads != 0``.
        """
        ### BEGIN SOLUTION
        super().__init__()
        require_int(k, "k", minimum=1)
        require_int(heads, "heads", minimum=1)
        if k % heads != 0:
            raise ValueError(f"k={k} must be divisible by heads={heads}: each head gets k // heads features")
        self.k, self.heads = k, heads
        self.to_queries = nn.Linear(k, k, bias=False)
        self.to_keys = nn.Linear(k, k, bias=False)
        self.to_values = nn.Linear(k, k, bias=False)
        self.unify_heads = nn.Linear(k, k)
        ### END SOLUTION

    def forward(self, x: torch.Tensor, mask: torch.BoolTensor | None = None) -> torch.Tensor:
        """Attend every position to every unmasked position, per head.

        For each head, ``softmax(Q K^T / sqrt(s)) V`` on its slice of
        ``s = k // heads`` features; masked keys get weight 0.

        Args:
            x: float tensor ``(batch, T, k)``.
            mask: bool tensor ``(batch, T)``, True at real tokens, or None.

        Returns:
            Tensor ``(batch, T, k)``.

        Raises:
            ValueError: if ``x`` is not ``(batch, T, k)`` or ``mask`` not ``(batch, T)``.
        """
        ### BEGIN SOLUTION
        require_float_tensor(x, "x")
        if x.dim() != 3 or x.shape[-1] != self.k:
            raise ValueError(f"x must have shape (batch, T, k={self.k}), got {tuple(x.shape)}")
        if mask is not None:
            require_mask(mask, x.shape[:2])
        b, t, k = x.shape
        h, s = self.heads, k // self.heads

        def split_heads(y: torch.Tensor) -> torch.Tensor:
            # (b, t, k) -> (b, t, h, s) -> (b, h, t, s): head h gets features [h*s, (h+1)*s)
            return y.view(b, t, h, s).transpose(1, 2)

        queries = split_heads(self.to_queries(x))
        keys = split_heads(self.to_keys(x))
        values = split_heads(self.to_values(x))
        # Scaling the (t, s) queries instead of the (t, t) scores gives the same
        # result for t / s times less work.
        scores = (queries / math.sqrt(s)) @ keys.transpose(-2, -1)  # (b, h, t, t)
        key_mask = None if mask is None else mask[:, None, None, :]  # (b, 1, 1, t): same for every head and query
        out = masked_softmax(scores, key_mask) @ values  # (b, h, t, s)
        out = out.transpose(1, 2).reshape(b, t, k)  # heads side by side, in order
        return self.unify_heads(out)
        ### END SOLUTION
