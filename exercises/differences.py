"""Differences seen in a learner's results themselves: a parameter layout, token lists, vocabularies, the right values in another form.

A catalogued bug is a hypothesis, inferred when it reproduces the learner's
results (``exercises/diagnosis.py``). These are not inferred: each is read off
the learner's result next to the reference's, and says exactly how they
differ, so they name mistakes no catalogue lists:

- a parameter layout (``{name: shape}``, what the layout checks return) with a
  renamed, missing, extra or wrongly sized parameter;
- token lists (the tokenize checks) that differ by some edits: tokens merged,
  split, extra, missing or changed;
- vocabularies (``itos`` lists) with words missing, extra or in another order;
- the right values in another form: another dtype, the dimensions in another
  order, slices more or fewer along one dimension, a list for a tensor, the
  result with more items after it, or a simple function of the right values
  (a constant factor, a softmax temperature, an argmax, slices moved).

Each function returns the differences in words, or None when the results are
not of its kind or differ in some other way as well.
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import torch

from .comparison import Checked, compare, is_raised, parts


def _layout(value: Any) -> bool:
    """Whether ``value`` is a module's parameter layout, ``{name: shape}``, as the layout checks return."""
    return isinstance(value, dict) and bool(value) and all(
        isinstance(shape, (tuple, list)) and all(isinstance(n, int) for n in shape) for shape in value.values())


def layout_changes(expected: Any, actual: Any) -> list[str] | None:
    """How the learner's parameter layout differs from the documented one, or None when the results are not two layouts.

    The checks load the same weights into both implementations by name and
    shape, so a layout that differs is a mistake in itself (a renamed layer, a
    missing one, a size from the wrong argument), seen directly, not inferred.
    Only the first differing layout of a result is described: the others are
    the same modules built with other arguments.
    """
    if _layout(expected):
        if not _layout(actual):
            return None
        return _differences(expected, actual)
    items = parts(expected, actual, actual)
    if items is None:
        return None
    found = [layout_changes(e, a) for e, _, a in items]
    if any(f is None for f in found) or not any(found):
        return None
    return next(f for f in found if f)


def _differences(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    def shape(s) -> str:
        return "(" + ", ".join(map(str, s)) + ("," if len(s) == 1 else "") + ")"

    missing = [n for n in expected if n not in actual]
    extra = [n for n in actual if n not in expected]
    changes = [f"`{n}` has shape {shape(actual[n])}, not {shape(expected[n])}" for n in expected
               if n in actual and tuple(actual[n]) != tuple(expected[n])]
    if len(missing) == len(extra) and [tuple(expected[n]) for n in missing] == [tuple(actual[n]) for n in extra]:
        # The same shapes in the same order under other names: renamed, which is all a reader needs to know.
        renamed = [f"`{new}` where the documented name is `{old}`" for old, new in zip(missing, extra)]
        if renamed and all(_index_moved(old, new) for old, new in zip(missing, extra)):
            renamed[-1] += " (the layers of an nn.Sequential are in another order, or one is missing or extra)"
        return changes + renamed[:4] + ([f"and {len(renamed) - 4} more renamed"] if len(renamed) > 4 else [])
    if missing:
        changes.append(f"{_names(missing, expected, shape)} {'is' if len(missing) == 1 else 'are'} missing")
    if extra:
        changes.append(f"{_names(extra, actual, shape)} {'is' if len(extra) == 1 else 'are'} not in the documented layout")
    return changes


def _index_moved(old: str, new: str) -> bool:
    """Whether two parameter names differ only in the index of a layer in an nn.Sequential (``ff.2.weight``, ``ff.1.weight``)."""
    a, b = old.split("."), new.split(".")
    differ = [(x, y) for x, y in zip(a, b) if x != y]
    return len(a) == len(b) and len(differ) == 1 and all(part.isdigit() for part in differ[0])


def _names(names: list[str], shapes: Mapping[str, Any], shape) -> str:
    """At most four names with their shapes, then how many more: a classifier has dozens."""
    shown = ", ".join(f"`{n}` {shape(shapes[n])}" for n in names[:4])
    return shown + (f" and {len(names) - 4} more" if len(names) > 4 else "")


class Change(NamedTuple):
    """One way a result is the right one in another form; ``fitted`` when a parameter was fitted to the learner's values.

    A fitted change (a factor, a temperature, slices moved) could come true by
    chance on a small result, as a hypothesis could; the others (another dtype,
    another shape, a list, a pair) keep every value as it is.
    """

    text: str
    fitted: bool = False


def form_changes(expected: Any, actual: Any, check: Checked) -> list[Change] | None:
    """How the learner's result is the right one in another form, or None when some part differs otherwise.

    Recognised, keeping every value: another dtype, the dimensions in another
    order, a dimension of size 1 more or less, the same values reshaped,
    slices more or fewer along one dimension, a Python list for a tensor or a
    tensor for a list, a type that is no tensor, None, the result with more
    items after it (a pair). Fitted to the learner's values: a constant
    factor, every vector normalised, a softmax, a log-softmax, an
    argmax, the softmax of scores scaled otherwise, slices moved along one
    dimension. Each is seen in the result itself, so the mistake is in how the
    result is built. Square tensors transposed are not a form: their values
    differ, and a wrong softmax axis does the same.
    """
    if compare(expected, actual, check) is None:
        return []
    if isinstance(expected, torch.Tensor):
        change = _form(expected, actual, check)
        return None if change is None else [change]
    if isinstance(expected, list) and isinstance(actual, torch.Tensor):
        return [Change("a tensor where a Python list is expected")] if actual.tolist() == expected else None
    items = parts(expected, actual, actual)
    if items is None:
        return _extra_items(expected, actual, check)
    found = [form_changes(e, a, check) for e, _, a in items]
    return None if any(f is None for f in found) else [change for f in found for change in f]


def _extra_items(expected: Any, actual: Any, check: Checked) -> list[Change] | None:
    if isinstance(actual, (list, tuple)) and len(actual) >= 2 and compare(expected, actual[0], check) is None:
        return [Change(f"a {type(actual).__name__} of {len(actual)} items, the expected result first: return the result alone")]
    return None


def _form(expected: torch.Tensor, actual: Any, check: Checked) -> Change | None:
    if actual is None:
        return Change("None where a tensor is expected (a missing return, or no gradient where one is expected)")
    if isinstance(actual, dict) and "unsupported" in actual:
        return Change(f"a value of type {actual['unsupported']} where a torch tensor is expected")
    if isinstance(actual, (list, tuple)):
        extra = _extra_items(expected, actual, check)
        if extra:
            return extra[0]
        try:
            tensor = torch.tensor(actual, dtype=expected.dtype)
        except (TypeError, ValueError, RuntimeError):
            return None
        return Change("a Python list where a tensor is expected") if compare(expected, tensor, check) is None else None
    if not isinstance(actual, torch.Tensor):
        return None
    if actual.layout != expected.layout or actual.device != expected.device:
        return _stored_otherwise(expected, actual, check)
    exact = _reshaped(expected, actual, check)
    if exact:
        return Change(exact)
    fitted = _function_of(expected, actual, check) or _rearranged(expected, actual, check)
    return Change(fitted, fitted=True) if fitted else None


def _stored_otherwise(expected: torch.Tensor, actual: torch.Tensor, check: Checked) -> Change | None:
    """The right values in a sparse tensor, or on another device (none on ``meta``, which holds no values)."""
    kind = f"a {actual.layout} tensor on {actual.device} where a {expected.layout} one on {expected.device} is expected"
    try:
        values = (actual.to_dense() if actual.is_sparse else actual).to(expected.device)
    except (RuntimeError, NotImplementedError):
        return None
    return Change(kind + " (the values are right)") if compare(expected, values, check) is None else None


def _reshaped(expected: torch.Tensor, actual: torch.Tensor, check: Checked) -> str | None:
    """The right values as another dtype, or with the dimensions in another order or a size-1 dimension more or less,
    or with slices more or fewer along one dimension."""
    if actual.numel() != expected.numel():
        return _cut_or_extended(expected, actual, check)
    values = actual.to(expected.dtype)
    dtype = f"dtype {str(actual.dtype).removeprefix('torch.')} where {str(expected.dtype).removeprefix('torch.')} is expected"
    if actual.shape == expected.shape:
        return dtype + " (the values are right)" if compare(expected, values, check) is None else None
    changes = [] if actual.dtype == expected.dtype else [dtype]
    shapes = f"shape {tuple(actual.shape)} where {tuple(expected.shape)} is expected"
    if expected.numel() == 0:  # no values to compare: the shape is all there is
        return "; ".join([f"{shapes} (both empty)", *changes])
    if [n for n in actual.shape if n != 1] == [n for n in expected.shape if n != 1]:
        if compare(expected, values.reshape(expected.shape), check) is None:
            return "; ".join([f"{shapes} (a dimension of size 1 more or less)", *changes])
    if actual.dim() == expected.dim() <= 4:
        for order in itertools.permutations(range(actual.dim())):
            moved = values.permute(order)
            if moved.shape == expected.shape and compare(expected, moved, check) is None:
                return "; ".join([f"{shapes} (the same dimensions in another order)", *changes])
    if compare(expected, values.reshape(expected.shape), check) is None:
        return "; ".join([f"{shapes} (the same values in the same order, reshaped: dimensions merged or split)", *changes])
    return None


def _cut_or_extended(expected: torch.Tensor, actual: torch.Tensor, check: Checked) -> str | None:
    """The expected slices along one dimension with some more after or before them, or some of them missing."""
    if actual.dim() != expected.dim() or actual.dtype != expected.dtype:
        return None
    differ = [d for d in range(actual.dim()) if actual.shape[d] != expected.shape[d]]
    if len(differ) != 1:
        return None
    (dim,) = differ
    have, want = actual.shape[dim], expected.shape[dim]
    shorter, longer = (actual, expected) if have < want else (expected, actual)
    extra = abs(have - want)
    for start, where in ((0, "at the end"), (extra, "at the start")):
        part = longer.narrow(dim, start, shorter.shape[dim])
        # The part that matches must say something: a slice of padding or zeros matches too easily.
        if shorter.numel() and shorter.unique().numel() > 1 and compare(part, shorter, check) is None:
            size = f"{have} slices along dimension {dim} where {want} are expected"
            return f"{size}: the expected ones with {extra} more {where}" if have > want else f"{size}: the expected ones with {extra} missing {where}"
    return None


def _function_of(expected: torch.Tensor, actual: torch.Tensor, check: Checked) -> str | None:
    """The learner's result as a simple function of the right one: an argmax, a softmax, a log-softmax, a constant factor."""
    if not expected.is_floating_point() or expected.dim() == 0 or not torch.isfinite(expected).all():
        return None
    if not actual.is_floating_point():
        argmax = actual.shape == expected.shape[:-1] and expected.numel() and torch.equal(actual.long(), expected.argmax(-1))
        return "the index of the largest value along the last dimension (an argmax) where the values themselves are expected" if argmax else None
    if actual.shape != expected.shape or actual.dtype != expected.dtype:
        return None
    for name, function in (("softmax", torch.softmax), ("log-softmax", torch.log_softmax)):
        if compare(function(expected, -1), actual, check) is None:
            return f"the {name} along the last dimension of the expected values, where the values themselves are expected"
    sharper = _temperature(expected, actual, check)
    if sharper is not None:
        return f"the softmax of the documented scores times {sharper:.3g}: the scores are scaled by another factor than the documented one"
    rescaled = _vectors_rescaled(expected, actual, check)
    if rescaled:
        return rescaled
    norm = (expected * expected).sum()
    if norm > 0 and torch.isfinite(actual).all():
        factor = float((expected * actual).sum() / norm)
        if not math.isclose(factor, 1.0, rel_tol=1e-3) and compare(factor * expected, actual, check) is None:
            return "every value 0 where non-zero values are expected" if factor == 0 else f"every value {factor:.3g} times the expected one"
    return None


def _vectors_rescaled(expected: torch.Tensor, actual: torch.Tensor, check: Checked) -> str | None:
    """Each vector (along the last dimension) the expected one scaled to length 1.

    Only normalised: a factor of its own for every vector, free, would explain
    too much (any vectors zeroed, any rows reweighted) and so prove too little.
    """
    if expected.dim() < 2 or expected.shape[-1] < 2:
        return None
    lengths = expected.norm(dim=-1, keepdim=True)  # (..., 1)
    # Vectors all of one length normalised are one constant factor: that case says so.
    if not (lengths > 0).all() or torch.allclose(lengths, lengths.flatten()[0].expand_as(lengths), rtol=1e-3):
        return None
    if compare(expected / lengths, actual, check) is None:
        return "every vector along the last dimension the expected one scaled to length 1 (normalised)"
    return None


def _temperature(expected: torch.Tensor, actual: torch.Tensor, check: Checked) -> float | None:
    """The factor c when both are softmax weights and the learner's are the softmax of c times the same scores.

    Within a row, log w = score - log(sum of exp(score)): the scores are the log of
    the weights up to a constant per row, so c is the slope of log(actual)
    against log(expected) once each row's mean is taken away. Masked keys
    (weight 0) stay 0 whatever c is, and are left out of the fit.
    """
    def weights(w: torch.Tensor) -> bool:
        sums = w.sum(-1)
        return bool((w >= 0).all() and (torch.isclose(sums, torch.ones_like(sums), atol=1e-4) | (sums == 0)).all())

    if expected.dim() < 2 or not (weights(expected) and weights(actual)) or not ((expected > 0) == (actual > 0)).all():
        return None
    kept = expected > 0
    if kept.sum(-1).max() < 2:  # rows of one key: any c gives weight 1
        return None
    x = torch.where(kept, expected.double().log(), 0.0)
    y = torch.where(kept, actual.double().log(), 0.0)
    count = kept.sum(-1, keepdim=True).clamp(min=1)
    x = torch.where(kept, x - x.sum(-1, keepdim=True) / count, 0.0)
    y = torch.where(kept, y - y.sum(-1, keepdim=True) / count, 0.0)
    if (x * x).sum() == 0:
        return None
    c = float((x * y).sum() / (x * x).sum())
    if not c > 0 or math.isclose(c, 1.0, rel_tol=1e-3):
        return None
    scores = torch.where(kept, c * expected.double().log(), -math.inf)
    predicted = torch.where(kept.any(-1, keepdim=True), scores.softmax(-1), 0.0).to(expected.dtype)
    return c if compare(predicted, actual, check) is None else None


def _rearranged(expected: torch.Tensor, actual: torch.Tensor, check: Checked) -> str | None:
    """The expected slices along one dimension, in another order or some repeated: rows sorted, features copied, positions shifted."""
    if actual.shape != expected.shape or actual.dtype != expected.dtype or expected.dim() == 0:
        return None
    if expected.is_floating_point() and not (torch.isfinite(expected).all() and torch.isfinite(actual).all()):
        return None
    for dim, n in enumerate(expected.shape):
        if not 2 <= n <= 64 or n * expected.numel() > 4_000_000:
            continue
        mine = actual.movedim(dim, 0).reshape(n, -1).double()  # (n, the rest)
        wanted = expected.movedim(dim, 0).reshape(n, -1).double()
        # same[i, j]: the learner's slice i holds the expected slice j, within the check's tolerance
        same = ((mine[:, None] - wanted[None]).abs() <= check.atol + check.rtol * wanted[None].abs()).all(-1)  # (n, n)
        if not same.any(dim=1).all():
            continue
        source = [i if same[i, i] else int(same[i].nonzero()[0]) for i in range(n)]
        # A moved slice must come from one expected slice only, and one that is not constant (a row of
        # padding, of zeros): a slice that many could have given says nothing about where it came from.
        telling = all(same[i].sum() == 1 and wanted[j].unique().numel() > 1 for i, j in enumerate(source) if i != j)
        # Most slices must come from different places: every slice equal to one expected slice is no rearrangement.
        telling = telling and len(set(source)) >= max(2, n / 2)
        if source != list(range(n)) and telling:
            return f"along dimension {dim}, {_moves(source)}"
    return None


def _moves(source: list[int]) -> str:
    """Where each slice's values come from, in words: reversed, shifted, or the first few that moved."""
    n = len(source)
    if source == list(range(n - 1, -1, -1)):
        return "the expected slices in reverse order"
    for shift in (1, -1, 2, -2):
        if source == [min(max(i + shift, 0), n - 1) for i in range(n)]:
            return f"slice i holds the expected slice i{shift:+d} (clamped at the ends)"
    moved = [f"{i} holds the expected {j}" for i, j in enumerate(source) if i != j]
    return "slice " + "; ".join(moved[:4]) + (f"; and {len(moved) - 4} more" if len(moved) > 4 else "")


# Checks and probes whose id starts with this return one token list per text they tokenize.
TOKEN_CHECKS = "vocab.tokenize"


def token_changes(expected: Any, actual: Any) -> list[str] | None:
    """How the learner's token lists differ from the reference's, edit by edit, or None when they are not token lists.

    Each difference is the smallest edit that turns the documented tokens of a
    text into the learner's (``difflib``'s opcodes): tokens merged, split,
    extra, missing or changed. The same edit on several texts is one.
    """
    def token_lists(value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(t, list) and all(isinstance(w, str) for w in t) for t in value)

    if not (token_lists(expected) and token_lists(actual)) or len(expected) != len(actual):
        return None
    edits: dict[str, None] = {}
    for wanted, got in zip(expected, actual):
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wanted, got, autojunk=False).get_opcodes():
            if op != "equal":
                edits[f"{_tokens(got[j1:j2])} where the rules give {_tokens(wanted[i1:i2])}"] = None
    return list(edits)


def _tokens(tokens: list[str]) -> str:
    if not tokens:
        return "no token"
    shown = ", ".join(repr(t) for t in tokens[:6]) + (", ..." if len(tokens) > 6 else "")
    return f"[{shown}]"


# A vocabulary's itos starts with the two specials, ids 0 and 1: a list of strings that does is one.
SPECIALS = ["<pad>", "<unk>"]


def vocabulary_changes(expected: Any, actual: Any, check: Checked) -> list[str] | None:
    """How the learner's vocabularies (``itos`` lists) differ from the reference's, or None when some part differs otherwise.

    Told in words a learner can check against the counts: the words missing,
    with the ids the reference gives them (ids 2 and 3 are the most frequent
    words), the words that should not be there, and the first id whose word
    differs when the words are the same.
    """
    if isinstance(expected, list) and expected[:2] == SPECIALS and all(isinstance(w, str) for w in expected):
        if not (isinstance(actual, list) and all(isinstance(w, str) for w in actual)):
            return None
        return [_vocabulary(expected, actual)] if actual != expected else []
    items = parts(expected, actual, actual)
    if items is None:
        return [] if compare(expected, actual, check) is None else None
    found = [vocabulary_changes(e, a, check) for e, _, a in items]
    return None if any(f is None for f in found) else [change for f in found for change in f]


def _vocabulary(expected: list[str], actual: list[str]) -> str:
    def some(words: list[str]) -> str:
        return ", ".join(words[:4]) + (f" and {len(words) - 4} more" if len(words) > 4 else "")

    missing = [f"{w!r} (id {i})" for i, w in enumerate(expected) if w not in actual]
    extra = [f"{w!r} (id {i})" for i, w in enumerate(actual) if w not in expected]
    told = ([f"missing {some(missing)}"] if missing else []) + ([f"extra {some(extra)}"] if extra else [])
    if not told:
        first = next(i for i, (a, b) in enumerate(zip(expected, actual)) if a != b)
        told.append(f"the right words in another order (id {first} is {actual[first]!r} where {expected[first]!r} is expected)")
    return f"{len(actual)} words where {len(expected)} are expected: " + "; ".join(told)


def load_error(actual: Any) -> bool:
    """Whether loading the documented weights into the learner's module failed (anywhere in a result)."""
    if is_raised(actual):
        return "loading state_dict" in actual["message"]
    items = parts(actual, actual, actual)
    return any(load_error(a) for _, _, a in items) if items else False
