"""Look inside a trained classifier: which words did its attention look at?

    explanation = explain(model, vocab, "A wonderful, moving film.", heads=1, max_len=512)
    explanation.label, explanation.probability   # "pos", 0.97
    explanation.top_words(5)                     # [("wonderful", 0.31), ("moving", 0.22), ...]
    plot_attention(explanation, "attention.png") # or an Axes of your own figure

The weights are the learner's own: a review goes once through the trained
model (its prediction), and each block's ``SelfAttention`` is then run
again on the very input it received, with its values replaced by unit
vectors (a forward hook on ``to_values``) and ``unify_heads`` bypassed (a
hook returns the concatenated heads unchanged). Attention is linear in its
values, so head ``h``'s output for the unit vector of key ``j`` is column
``j`` of head ``h``'s weight matrix. This reads the weights out of any
``SelfAttention`` that follows the exercises' specification (head ``h``
uses features ``[h*s, (h+1)*s)``, ``s = k // heads``), without knowing how
it computes them.

This module is written once, in ``solutions/``, and copied as it is into
``exercises/`` (like ``train`` and ``predict``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import torch
from torch import nn

from .data import LABEL_NAMES, LABELS
from .train import shorten
from .vocab import Vocab, tokenize

# The most tokens a heatmap shows: beyond about 40 words per axis the labels no longer fit.
MAX_PLOTTED_TOKENS = 40


@dataclass
class Explanation:
    """One review as the model read it, its prediction, and the attention weights of every block.

    Attributes:
        text: the review.
        tokens: the tokens the model read, after truncation to ``max_len`` (words not in
            the vocabulary are kept as written; the model read them as ``<unk>``).
        known: for each token, whether it is in the vocabulary.
        total_tokens: how many tokens the review has before truncation.
        label: ``"neg"`` or ``"pos"``, the predicted class.
        probability: the model's probability for ``label``.
        weights: tensor ``(depth, heads, seq_len, seq_len)``: ``weights[b, h, i, j]`` is how
            much word ``i`` attends to word ``j`` in head ``h`` of block ``b``; each row sums to 1.
    """

    text: str
    tokens: list[str]
    known: list[bool]
    total_tokens: int
    label: str
    probability: float
    weights: torch.Tensor

    def received(self, block: int = -1) -> torch.Tensor:
        """Tensor ``(seq_len,)``: the attention each word receives in ``block``, summing to 1.

        The mean over the heads and over the words that attend (the rows) of each column. In
        each head, the mean of the attention's outputs over the review is ``sum_j received[j] v_j``:
        the words with the larger shares make up more of what mean pooling passes on.
        """
        return self.weights[block].mean(dim=0).mean(dim=0)  # (heads, T, T) -> (T, T) -> (T,)

    def top_words(self, n: int = 5, block: int = -1) -> list[tuple[str, float]]:
        """The ``n`` words that receive the most attention in ``block``, with their share of it.

        A word that occurs several times gets the sum over its occurrences.

        Raises:
            ValueError: if ``n`` is not positive.
        """
        if n < 1:
            raise ValueError(f"n must be a positive number of words, got {n}")
        shares: dict[str, float] = {}
        for token, share in zip(self.tokens, self.received(block).tolist()):
            shares[token] = shares.get(token, 0.0) + share
        return sorted(shares.items(), key=lambda item: -item[1])[:n]


def explain(
    model: nn.Module, vocab: Vocab, text: str, *, heads: int, max_len: int, truncate: str = "head+tail",
    tokenizer: Callable[[str], list[str]] = tokenize,
) -> Explanation:
    """Classify ``text`` with ``model`` and read out its attention weights.

    Args:
        model: a trained ``TransformerClassifier`` (its ``blocks[b].attention`` are read).
        vocab: the vocabulary it was trained with.
        text: one review.
        heads: the number of attention heads of every block (the ``--heads`` it was trained with).
        max_len, truncate: how long reviews are shortened, as in training (``train.shorten``).
        tokenizer: how ``text`` becomes tokens: this package's ``tokenize`` unless given
            (a notebook passes the one it defines).

    Returns:
        An ``Explanation``; the model is left in the mode (train or eval) it was in.

    Raises:
        ValueError: if ``text`` has no token, or ``heads`` does not divide the model's width.
    """
    tokens = tokenizer(text)
    if not tokens:
        raise ValueError(f"the review {text!r} has no word to attend to; give the text of a review")
    kept = shorten(tokens, max_len, truncate)
    ids = torch.tensor([vocab.encode(kept)])  # (1, seq_len): one review, no padding
    was_training = model.training
    model.eval()  # no dropout: the weights of the model as it predicts
    try:
        with torch.no_grad():
            probs, inputs = _predict_and_capture(model, ids)
            weights = torch.stack([_read_weights(block.attention, args, kwargs, heads) for block, (args, kwargs) in zip(model.blocks, inputs)])
    finally:
        model.train(was_training)
    best = int(probs.argmax())
    return Explanation(
        text=text, tokens=kept, known=[token in vocab for token in kept], total_tokens=len(tokens),
        label=LABELS[best], probability=probs[best].item(), weights=weights,
    )


def _predict_and_capture(model: nn.Module, ids: torch.Tensor) -> tuple[torch.Tensor, list[tuple[tuple, dict]]]:
    """The class probabilities ``(num_classes,)`` of one review, and what each block's attention was called with."""
    calls: list[tuple[tuple, dict]] = []
    hooks = [
        block.attention.register_forward_pre_hook(lambda module, args, kwargs: calls.append((args, kwargs)), with_kwargs=True)
        for block in model.blocks
    ]
    try:
        probs = model(ids).softmax(dim=-1)[0]  # (num_classes,)
    finally:
        for hook in hooks:
            hook.remove()
    if len(calls) != len(model.blocks):
        raise RuntimeError(
            f"the model's forward called its blocks' attention {len(calls)} times for {len(model.blocks)} blocks; "
            "explain needs each TransformerBlock to call self.attention(...) once"
        )
    return probs, calls


def _read_weights(attention: nn.Module, args: tuple, kwargs: dict, heads: int) -> torch.Tensor:
    """Tensor ``(heads, seq_len, seq_len)``: the weights of ``attention`` on the input it was called with.

    The call is repeated on ``ceil(seq_len / s)`` copies of the input. In copy ``p`` the
    value of key ``j = p*s + c`` is the unit vector of feature ``c`` in every head (all
    other keys have value 0), so output feature ``h*s + c`` of query ``i`` in copy ``p`` is
    ``weights[h, i, p*s + c]``.
    """
    x = args[0] if args else kwargs["x"]  # (1, seq_len, k)
    _, length, k = x.shape
    if heads < 1 or k % heads:
        raise ValueError(f"heads={heads} must be a positive divisor of the model's width k={k}")
    size = k // heads  # s, the features of one head
    copies = math.ceil(length / size)
    keys = torch.arange(length)
    units = torch.zeros(copies, length, heads, size, dtype=x.dtype, device=x.device)
    units[keys // size, keys, :, keys % size] = 1.0
    units = units.reshape(copies, length, k)  # (copies, seq_len, k)
    fired = []

    def values(module, inputs, output):
        fired.append("to_values")
        return units

    def concatenated_heads(module, inputs, output):
        fired.append("unify_heads")
        return inputs[0]

    hooks = [attention.to_values.register_forward_hook(values), attention.unify_heads.register_forward_hook(concatenated_heads)]
    try:
        out = attention(*_repeat(args, copies), **_repeat(kwargs, copies))  # (copies, seq_len, k)
    finally:
        for hook in hooks:
            hook.remove()
    if sorted(fired) != ["to_values", "unify_heads"]:
        raise RuntimeError(
            "explain needs SelfAttention.forward to call self.to_values(...) and self.unify_heads(...) once each, "
            f"as modules; this one called {sorted(fired) or 'neither'}"
        )
    out = out.reshape(copies, length, heads, size)  # out[p, i, h, c] = weights[h, i, p*s + c]
    weights = out[keys // size, :, :, keys % size].permute(2, 1, 0)  # (keys, queries, heads) -> (heads, queries, keys)
    # One review has no padding, so every row of a softmax sums to 1. Read out with another
    # number of heads than the model's, the columns mix heads and the rows do not.
    sums = weights.sum(dim=-1)
    if not torch.allclose(sums, torch.ones_like(sums), atol=1e-4):
        warnings.warn(
            f"the attention weights read out have rows summing to {sums.min().item():.3f}-{sums.max().item():.3f}, "
            f"not 1: is heads={heads} the number of heads the model was built with?",
            stacklevel=4,
        )
    return weights


def _repeat(values, copies: int):
    """``values`` (a tuple of arguments or a dict of keyword arguments) with each tensor repeated along its batch dimension."""
    def one(value):
        return value.repeat(copies, *[1] * (value.dim() - 1)) if isinstance(value, torch.Tensor) else value

    if isinstance(values, dict):
        return {name: one(value) for name, value in values.items()}
    return tuple(one(value) for value in values)


def describe(explanation: Explanation, n: int = 5) -> str:
    """Two lines for a terminal: the prediction and the review, then the words attended to most."""
    excerpt = explanation.text if len(explanation.text) <= 60 else explanation.text[:57] + "..."
    unknown = {token for token, known in zip(explanation.tokens, explanation.known) if not known}
    words = ", ".join(f"{word}{'*' if word in unknown else ''} {share:.0%}" for word, share in explanation.top_words(n))
    note = " (* not in the vocabulary: read as <unk>)" if "*" in words else ""
    return f"{LABEL_NAMES[explanation.label]:8}  {explanation.probability:.3f}  {excerpt}\n          attended to most: {words}{note}"


def plot_attention(explanation: Explanation, where, block: int = -1, max_tokens: int = MAX_PLOTTED_TOKENS):
    """Draw the weights of ``block`` (the mean over its heads) as a heatmap of words against words.

    Args:
        explanation: what ``explain`` returned.
        where: a path (the figure is saved there as PNG) or a matplotlib ``Axes`` to draw on.
        block: which block's weights; the last by default.
        max_tokens: at most this many words per axis, the first ones (the title says so).

    Returns:
        The ``Axes`` drawn on.

    Raises:
        ValueError: if ``max_tokens`` is not positive.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be a positive number of words, got {max_tokens}")
    # A Figure of its own, not pyplot's: saving to a file then changes nothing in a notebook's figures.
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    weights = explanation.weights[block].mean(dim=0)  # (seq_len, seq_len): mean over heads
    shown = min(max_tokens, len(explanation.tokens))
    labels = [token if known else f"{token}*" for token, known in zip(explanation.tokens[:shown], explanation.known[:shown])]
    ax = where if isinstance(where, Axes) else Figure(figsize=(2.5 + 0.2 * shown, 2 + 0.2 * shown)).add_subplot()
    image = ax.imshow(weights[:shown, :shown].numpy(), cmap="viridis", vmin=0)
    ax.set_xticks(range(shown), labels, rotation=90)
    ax.set_yticks(range(shown), labels)
    ax.set_xlabel("key: the word attended to")
    ax.set_ylabel("query: the word attending")
    ax.figure.colorbar(image, ax=ax, label="attention weight")
    ax.set_title(_title(explanation, block, shown), fontsize=9)
    if not isinstance(where, Axes):
        ax.figure.savefig(Path(where), dpi=100, bbox_inches="tight")
    return ax


def _title(explanation: Explanation, block: int, shown: int) -> str:
    depth, heads = explanation.weights.shape[:2]
    block_name = f"block {block % depth + 1} of {depth}"
    head_name = "1 head" if heads == 1 else f"mean of {heads} heads"
    lines = [
        f"Attention weights, {block_name}, {head_name}",
        f"predicted {LABEL_NAMES[explanation.label]}, probability {explanation.probability:.3f}",
    ]
    read = len(explanation.tokens)
    if shown < read or read < explanation.total_tokens:
        parts = [f"first {shown} of the {read} words read"]
        if read < explanation.total_tokens:
            parts.append(f"the review has {explanation.total_tokens}")
        lines.append("; ".join(parts) + "; rows sum to 1 over all the words read")
    if not all(explanation.known[:shown]):
        lines.append("* not in the vocabulary: read as <unk>")
    return "\n".join(lines)
