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
run in course order). The stand-ins of an exercise's own functions (``ROOTS``)
go only into a second sandboxed run, after the whole submission is graded,
and what that run prints is never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from exercises.catalogue import by_key

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

# Root causes inside one exercise. A learner's function may fail checks only
# because another function of the same exercise that it calls is wrong. Each such
# callee is listed here, the deepest first, with
#   reach:  the checks that reach it only through the learner's other functions
#           (None: every check of the exercise does, as it has no checks of its own);
#   behind: those of them that test its callers: when it is the root cause, their
#           failures are symptoms, and the feedback leaves them out.
# The grader runs the failed checks in reach again with the callee replaced by its
# stand-in, once the exercise is graded; those that pass then failed because of
# that callee ("fix it first", ``grader/roots.py``).


@dataclass(frozen=True)
class Callee:
    reach: tuple[str, ...] | None
    behind: tuple[str, ...]


_SELF_ATTENTION = ("self_attention_on_random_inputs", "self_attention_with_a_mask", "gradient_reaches_the_input")
_CLASSIFIER = ("classifier_state_dict_layout", "logits_with_mean_pooling", "logits_with_max_pooling", "other_pad_id",
               "all_padding_review", "logits_for_three_classes", "gradients_reach_every_parameter", "eval_mode_has_no_dropout")
ROOTS: dict[str, dict[str, Callee]] = {
    "attention": {"masked_softmax": Callee(None, _SELF_ATTENTION), "attention_weights": Callee(_SELF_ATTENTION, _SELF_ATTENTION)},
    "classifier": {"pool_tokens": Callee(None, ()), "TransformerBlock": Callee(_CLASSIFIER, _CLASSIFIER)},
}

@dataclass(frozen=True)
class Setting:
    """What stands in for the learner's code while a check runs: stand-in files, executed in order, and the names they replace."""

    files: tuple[str, ...] = ()
    patches: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def sources(self) -> list[str]:
        """The source texts of the files."""
        return [(HERE / f"{name}.py").read_text(encoding="utf-8") for name in self.files]

    def patch_map(self) -> dict[str, tuple[str, ...]]:
        """Learner module -> the names replaced in it."""
        return dict(self.patches)


def setting(exercise: str, replaced: str | None = None) -> Setting:
    """The stand-ins of ``exercise``'s checks; with ``replaced``, one of the exercise's own functions as well (see ROOTS)."""
    files, patches = FILES.get(exercise, ()), dict(PATCHES.get(exercise, {}))
    if replaced is not None:  # the stand-in file of an exercise's own functions is named after its module
        module = by_key(exercise).module
        files = tuple(dict.fromkeys((*files, module)))
        patches[module] = (*patches.get(module, ()), replaced)
    return Setting(files, tuple(sorted(patches.items())))
