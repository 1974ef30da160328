"""The grader's own versions of what later exercises import from earlier ones.

While the checks of Exercise 6 run, the learner's ``attention`` module sees
these instead of their own ``masked_softmax`` (Exercise 4); while those of
Exercise 7 run, their ``classifier`` module sees these ``SelfAttention``,
``PositionalEmbedding`` and ``padding_mask``. Each exercise is then graded on
its own code: one mistake is never charged twice.

A stand-in is a correct answer, so it must never be where a learner's code
could take it while its own exercise is graded. Each one is a file of its
own, never mounted into the sandbox: the grader sends an exercise's stand-ins
as source text into the sandboxed process only when that exercise's checks
begin, after every exercise they stand in for has been graded (the checks
run in course order).
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

# exercise -> {learner module the stand-ins are patched into: (names, ...)}
PATCHES: dict[str, dict[str, tuple[str, ...]]] = {
    "qkv": {"attention": ("masked_softmax", "attention_weights", "self_attention")},
    "classifier": {"classifier": ("SelfAttention", "PositionalEmbedding", "padding_mask")},
}

# the stand-in files each exercise needs, in the order they are executed (qkv.py uses attention.py's masked_softmax)
FILES: dict[str, tuple[str, ...]] = {
    "qkv": ("attention",),
    "classifier": ("padding", "attention", "positional", "qkv"),
}

# the exercise whose correct code each stand-in file holds
STANDS_IN_FOR = {"padding": "padding", "attention": "attention", "positional": "positional", "qkv": "qkv"}


def sources(exercise: str) -> list[str]:
    """The source texts of the stand-ins ``exercise``'s checks need (empty for most exercises)."""
    return [(HERE / f"{name}.py").read_text(encoding="utf-8") for name in FILES.get(exercise, ())]
