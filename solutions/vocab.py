"""Exercise 1: from text to numbers.

A network computes with numbers, not words. We cut every review into tokens,
collect the tokens of the training reviews into a vocabulary, and give each
one an id: its row in the vocabulary. Two ids are reserved:

- ``<pad>`` (id 0) fills the end of short reviews so that a batch is a
  rectangle (Exercise 2);
- ``<unk>`` (id 1) stands for every word the vocabulary never saw, such as a
  typo in a test review.

The rest are ordered by how often they occur, most frequent first, so that
capping the vocabulary at ``max_size`` keeps the words that matter most.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Sequence

from .validate import require_int

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1


def tokenize(text: str) -> list[str]:
    """Split a review into lowercase word and punctuation tokens.

    The rules, applied in this order (those after the line breaks are
    torchtext's ``basic_english``):

    1. lowercase the text;
    2. IMDB reviews mark line breaks with HTML: ``<br />``, ``<br/>`` and
       ``<br>`` become a space;
    3. ``'`` becomes a token of its own, split from the letters on both
       sides: ``i'm`` gives ``i``, ``'``, ``m``, and ``don't`` gives ``don``,
       ``'``, ``t``;
    4. ``"`` is removed;
    5. ``.`` ``,`` ``(`` ``)`` ``!`` ``?`` each become a token of their own;
    6. ``;`` and ``:`` are removed (replaced by a space, as torchtext does);
    7. split on whitespace.

    >>> tokenize("I'm here.")
    ['i', "'", 'm', 'here', '.']

    Raises:
        TypeError: if ``text`` is not a ``str``.
    """
    ### BEGIN SOLUTION
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}: {text!r}")
    text = text.lower()
    text = re.sub(r"<br\s*/?>", " ", text)
    text = text.replace("'", " '  ").replace('"', "")
    text = re.sub(r"([.,()!?])", r" \1 ", text)
    text = re.sub(r"[;:]", " ", text)
    return text.split()
    ### END SOLUTION


class Vocab:
    """A two-way map between tokens and ids, laid out like torchtext's ``Vocab``.

    Attributes:
        itos: id -> token; ``itos[0] == "<pad>"`` and ``itos[1] == "<unk>"``.
        stoi: token -> id, the inverse of ``itos``.
    """

    def __init__(self, itos: Sequence[str]) -> None:
        itos = list(itos)
        if itos[:2] != [PAD, UNK]:
            raise ValueError(f"a vocabulary must start with {[PAD, UNK]}, got {itos[:2]}")
        stoi = {token: index for index, token in enumerate(itos)}
        if len(stoi) != len(itos):
            duplicates = sorted({t for t in itos if itos.count(t) > 1})
            raise ValueError(f"a vocabulary lists every token once; repeated: {duplicates[:5]}")
        self.itos = itos
        self.stoi = stoi

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: object) -> bool:
        return token in self.stoi

    def __getitem__(self, token: str) -> int:
        """Return the id of ``token``; a token never seen gives ``UNK_ID``.

        Raises:
            TypeError: if ``token`` is not a ``str``.
        """
        ### BEGIN SOLUTION
        if not isinstance(token, str):
            raise TypeError(f"a token must be a str, got {type(token).__name__}: {token!r}")
        return self.stoi.get(token, UNK_ID)
        ### END SOLUTION

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Map tokens to ids, unknown tokens to ``UNK_ID``."""
        if isinstance(tokens, str):
            raise TypeError(f"encode takes a list of tokens, got the string {tokens!r}; tokenize it first")
        return [self[token] for token in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Map ids back to tokens.

        Raises:
            IndexError: for an id outside ``[0, len(self))``.
        """
        tokens = []
        for index in ids:
            index = int(index)
            if not 0 <= index < len(self.itos):
                raise IndexError(f"id {index} is outside the vocabulary of size {len(self.itos)}")
            tokens.append(self.itos[index])
        return tokens

    def get_itos(self) -> list[str]:
        """The list of tokens, indexed by id (as in torchtext)."""
        return self.itos

    def get_stoi(self) -> dict[str, int]:
        """The dict from token to id (as in torchtext)."""
        return self.stoi

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, first={self.itos[2:7]})"


def build_vocab(
    token_lists: Iterable[Iterable[str]],
    max_size: int | None = None,
    min_freq: int = 1,
) -> Vocab:
    """Build the vocabulary of a corpus of tokenized texts.

    ``itos`` is ``["<pad>", "<unk>"]`` followed by every token seen at least
    ``min_freq`` times, most frequent first; tokens with equal counts are in
    plain string order, so the result never depends on the order of the
    texts. ``max_size`` caps ``len(vocab)``, the two specials included. A
    text that contains the literal string ``<pad>`` or ``<unk>`` does not
    give them a second id.

    >>> build_vocab([["a", "b", "a"], ["c", "b", "a"]]).itos
    ['<pad>', '<unk>', 'a', 'b', 'c']

    Raises:
        TypeError: if an item of ``token_lists`` is a string rather than a
            list of tokens (forgot to tokenize?).
        ValueError: if ``max_size < 2`` or ``min_freq < 1``.
    """
    ### BEGIN SOLUTION
    if max_size is not None and require_int(max_size, "max_size") < 2:
        raise ValueError(f"max_size must be at least 2 (room for {PAD} and {UNK}), got {max_size}")
    require_int(min_freq, "min_freq", minimum=1)
    counts: Counter[str] = Counter()
    for tokens in token_lists:
        if isinstance(tokens, str):
            raise TypeError(f"expected a list of tokens per text, got the string {tokens[:40]!r}; tokenize it first")
        counts.update(tokens)
    for special in (PAD, UNK):
        counts.pop(special, None)
    # Most frequent first; ties in string order, so the ids are reproducible.
    ranked = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
    if max_size is not None:
        ranked = ranked[: max_size - 2]
    return Vocab([PAD, UNK, *ranked])
    ### END SOLUTION
