"""The exercises, in the order of the course.

This table is the one list of what a learner writes: ``python -m grader build``
turns the marked bodies of these functions in ``solutions/`` into the stubs
in ``exercises/``, the test runner uses it for its progress table, and the
grader for the points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# How the NotImplementedError of every stub begins, "Exercise 4 (attention_weights): ...":
# the exercise, then the function a learner writes (``python -m grader build`` writes them).
STUB_MESSAGE = re.compile(r"^(Exercise \d+|Bonus) \(([^)]*)\): ")


@dataclass(frozen=True)
class Exercise:
    """One exercise: the functions a learner writes and how it is graded.

    Attributes:
        number: 1, 2, ... in course order, or ``"bonus"``.
        key: the pytest marker of its tests (``pytest exercises -m KEY``).
        title: a short name.
        module: the module of ``exercises/`` (and ``solutions/``) it lives in.
        targets: the functions and methods whose bodies the learner writes.
        points: its share of the 100 points (the bonus is extra).
        uses: the keys of earlier exercises whose code its visible tests run (a bug
            there fails these tests too).
    """

    number: int | str
    key: str
    title: str
    module: str
    targets: tuple[str, ...]
    points: int
    uses: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``"Exercise 4"`` or ``"Bonus"``: how messages name it."""
        return "Bonus" if self.number == "bonus" else f"Exercise {self.number}"

    @property
    def command(self) -> str:
        return f"pytest exercises -m {self.key}"


EXERCISES: tuple[Exercise, ...] = (
    Exercise(1, "vocab", "tokens and vocabulary", "vocab", ("tokenize", "Vocab.__getitem__", "build_vocab"), 10),
    Exercise(2, "padding", "padding and mask", "padding", ("pad_sequences", "padding_mask"), 10),
    Exercise(3, "embedding", "embedding lookup", "embedding", ("embedding_lookup",), 10),
    Exercise(4, "attention", "self-attention", "attention", ("masked_softmax", "attention_weights", "self_attention"), 20),
    Exercise(5, "positional", "positional embedding", "positional", ("PositionalEmbedding.__init__", "PositionalEmbedding.forward"), 10),
    Exercise(6, "qkv", "queries, keys and values", "attention", ("SelfAttention.__init__", "SelfAttention.forward"), 20, ("attention",)),
    Exercise(
        7, "classifier", "Transformer block and classifier", "classifier",
        ("TransformerBlock.__init__", "TransformerBlock.forward", "TransformerClassifier.__init__",
         "TransformerClassifier.forward", "pool_tokens"),
        20,
        ("padding", "attention", "positional", "qkv"),
    ),
    Exercise("bonus", "sinusoidal", "sinusoidal encoding", "positional", ("sinusoidal_encoding",), 5),
)

# Modules of ``solutions/`` copied into ``exercises/`` as they are: helpers the exercises use.
GIVEN_MODULES: tuple[str, ...] = ("validate",)
# Modules of ``solutions/`` copied into ``exercises/`` as they are: the tools that train, run and
# look inside a model. Their relative imports make ``python -m exercises.train`` train the
# learner's own classes and ``python -m solutions.train`` the reference, from one source. They are
# not exercises: the grader neither loads nor grades them.
TOOL_MODULES: tuple[str, ...] = ("data", "train", "predict", "explain")


def by_key(key: str) -> Exercise:
    """The exercise whose marker is ``key``."""
    for exercise in EXERCISES:
        if exercise.key == key:
            return exercise
    raise KeyError(f"no exercise has the key {key!r}; keys: {[e.key for e in EXERCISES]}")


def exercise_modules() -> list[str]:
    """The modules of a learner's ``exercises/`` that the exercises and the grader use, in course order."""
    return list(dict.fromkeys([*GIVEN_MODULES, *(e.module for e in EXERCISES)]))


def generated_modules() -> list[str]:
    """Every module of ``exercises/`` generated from ``solutions/``: the exercise modules, then the tools."""
    return [*exercise_modules(), *TOOL_MODULES]
