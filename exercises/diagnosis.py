"""Comparing results, and what explains a learner's: a catalogued bug named only when it explains all it predicts.

Shared by the grader (hidden checks) and by ``pytest exercises`` (the visible
probes of ``exercises/tests/probes.py``), so that the cause a learner sees
locally is found the same way as the one in their grade.

Each bug of the catalogue (``grader/mutants.toml``) is a hypothesis: the
reference with one realistic mistake. It is run through the same probes, and
the checks it fails are the ones it *touches*: its predictions. It explains
the learner's result on a check when, part by part,

- where the learner is right, the hypothesis is right too (so a learner's
  own wording of a correct error message never counts against it), and
- where the learner is wrong, the hypothesis is wrong the same way: the same
  values (within the check's tolerance, NaN equal to NaN), or the same
  exception by type and by message (numbers aside).

A bug is

- a **fit** when it explains every check of its exercise that it touches,
  and so every check it touches is one the learner failed (a bug that would
  have failed a check the learner passed is not their bug);
- **named** when it is a fit and the fits together explain every failed
  check of the exercise: a learner can have two bugs, but a failure that no
  fit explains means that something else is wrong, and a narrow prediction
  may have come true by chance. Of two fits, the one whose predictions
  include the other's is kept: it explains more of the same evidence;
- a documented error the learner's code does not raise (the reference's
  result names the call) explains its failure by itself, and is named as
  "CALL must raise ERROR, but ..." when everything else is explained too;
- a parameter layout (``{name: shape}``, what the layout checks return) that
  differs from the documented one is seen, not inferred: it is named with
  what differs (a renamed, missing, extra or wrongly sized parameter), and it
  explains every check that could not load the documented weights;
- token lists that differ on a tokenize check are seen too: named by the
  edits that turn the documented tokens into the learner's (merged, split,
  extra, missing);
- a ``raise`` statement of the learner's own that fires where the reference
  raised nothing is named: a check that rejects what the docstring allows;
- any other exception the learner's own code raised where the reference raised
  none is reported apart, as a fact, not a cause ("your code raises TYPE
  (message) at FILE:LINE, in FUNCTION: STATEMENT"): its line may be where the
  mistake is or only where a wrong result was used. It explains that check's
  failure for the rule above; and when it is a shape error, it is no evidence
  for a hypothesis that fails the same way (any hypothesis that gets a shape
  wrong in the same torch call would);
- offered as **possibly** when nothing is named: the broadest fit, else the
  bug that explains the largest share (at least half) of its predictions,
  all of them checks the learner failed;
- otherwise left out. A wrong name is worse than none.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import torch


class Checked(Protocol):
    """What a comparison needs of a check: its id, its exercise and its tolerances."""

    id: str
    exercise: str
    atol: float
    rtol: float


def compare(expected: Any, actual: Any, check: Checked, where: str = "the result", equal_nan: bool = False) -> str | None:
    """None when ``actual`` matches the reference's ``expected``, else what differs.

    ``equal_nan`` counts NaN as equal to NaN: for matching two wrong results, never for grading.
    """
    if _raised(expected):
        wanted = expected["raised"][0]
        if _raised(actual):
            return None if wanted in actual["raised"] else f"{where}: expected a {wanted}, got a {actual['raised'][0]}: {actual['message'][:200]}"
        return f"{where}: expected a {wanted} for this input, but nothing was raised"
    if _raised(actual):
        return f"{where}: raised {actual['raised'][0]}: {actual['message'][:300]}"
    if isinstance(expected, torch.Tensor):
        return _compare_tensors(expected, actual, check, where, equal_nan)
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            return f"{where}: expected {len(expected)} items, got {_describe(actual)}"
        for index, (e, a) in enumerate(zip(expected, actual)):
            problem = compare(e, a, check, f"{where}[{index}]", equal_nan)
            if problem:
                return problem
        return None
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(actual) != set(expected):
            missing = sorted(set(expected) - set(actual)) if isinstance(actual, dict) else None
            extra = sorted(set(actual) - set(expected)) if isinstance(actual, dict) else None
            return f"{where}: expected keys {sorted(expected)[:8]}, got {_describe(actual)}" + (f" (missing {missing[:5]}, unexpected {extra[:5]})" if missing is not None else "")
        for key in expected:
            problem = compare(expected[key], actual[key], check, f"{where}[{key!r}]", equal_nan)
            if problem:
                return problem
        return None
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return None if math.isclose(expected, actual, rel_tol=check.rtol, abs_tol=check.atol) else f"{where}: expected {expected:.6g}, got {actual:.6g}"
    if type(actual) is not type(expected) or actual != expected:
        return f"{where}: expected {_short(expected)}, got {_short(actual)}"
    return None


def _compare_tensors(expected: torch.Tensor, actual: Any, check: Checked, where: str, equal_nan: bool) -> str | None:
    if not isinstance(actual, torch.Tensor):
        return f"{where}: expected a tensor of shape {tuple(expected.shape)}, got {_describe(actual)}"
    if actual.shape != expected.shape:
        return f"{where}: expected shape {tuple(expected.shape)}, got {tuple(actual.shape)}"
    if actual.dtype != expected.dtype:
        return f"{where}: expected dtype {expected.dtype}, got {actual.dtype}"
    try:
        torch.testing.assert_close(actual, expected, atol=check.atol, rtol=check.rtol, equal_nan=equal_nan)
    except AssertionError as error:
        if actual.is_floating_point() and not torch.isfinite(actual).all() and torch.isfinite(expected).all():
            return f"{where}: contains NaN or inf"
        detail = [line for line in str(error).splitlines() if line.startswith(("Mismatched", "Greatest absolute"))]
        return f"{where}: values differ ({'; '.join(detail)})"
    return None


def _describe(value: Any) -> str:
    if torch.is_tensor(value):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, dict) and "unsupported" in value:
        return f"a {value['unsupported']}"
    return _short(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


# --- diagnosis ---------------------------------------------------------------------------

NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Diagnosis:
    """A likely cause of an exercise's failures (``kind="cause"``), or an exception the learner's code raised (``"crash"``).

    A crash is a fact, reported apart from the causes: the line it points at may be
    where the mistake is, or only where its result was used.
    """

    exercise: str
    id: str
    message: str
    certain: bool = True
    kind: str = "cause"


def explains(expected: Any, produced: Any, actual: Any, check: Checked) -> bool:
    """Whether a hypothesis's result ``produced`` is the learner's ``actual``, part by part, given the reference's ``expected``."""
    if compare(expected, actual, check) is None:
        return compare(expected, produced, check) is None
    if _raised(produced) or _raised(actual):
        return _raised(produced) and _raised(actual) and produced["raised"][0] == actual["raised"][0] \
            and NUMBER.sub("#", produced["message"]) == NUMBER.sub("#", actual["message"])
    parts = _parts(expected, produced, actual)
    if parts is not None:
        return all(explains(e, p, a, check) for e, p, a in parts)
    return compare(actual, produced, check, equal_nan=True) is None


def _parts(expected: Any, produced: Any, actual: Any) -> list[tuple[Any, Any, Any]] | None:
    """The three results side by side, item by item, when all three have the same layout."""
    if all(isinstance(v, (list, tuple)) for v in (expected, produced, actual)) and len(expected) == len(produced) == len(actual):
        return list(zip(expected, produced, actual))
    if all(isinstance(v, dict) for v in (expected, produced, actual)) and expected.keys() == produced.keys() == actual.keys():
        return [(expected[k], produced[k], actual[k]) for k in expected]
    return None


# torch's messages for tensors of the wrong shape: many different mistakes end in one of these.
SHAPE_ERROR = re.compile(r"size of tensor a|shapes cannot be multiplied|shape '\[|Expected size for first two dimensions|"
                         r"must match the size|must match the existing size|expanded size|Dimension out of range|"
                         r"view size is not compatible|invalid for input of size|mismatch in shape|cannot be broadcast|"
                         r"number of dims|expected .* dimensions|Sizes of tensors must match|doesn't match the broadcast shape|"
                         r"does not match the shape of the indexed tensor|too many indices|normalized_shape|"
                         r"stack expects each tensor to be equal size|same number of dimensions|same number of elements|"
                         r"size mismatch|matrices expected|inconsistent tensor size|to match target batch_size", re.IGNORECASE)


def _shape_error(message: str) -> bool:
    return bool(SHAPE_ERROR.search(message))


def _deliberate(kind: str, where: str) -> bool:
    """Whether the learner's line is a ``raise`` of their own of this exception (its message is theirs), not a call that failed.

    A ``raise IndexError(f"... {bad.item()}")`` that fails with a RuntimeError while building its message is a call that failed.
    """
    statement = where.partition(": ")[2]
    return statement.startswith("raise ") and kind in statement


def _first_per_place(found) -> list[tuple[str, str, str]]:
    """One crash per (type, place): the same line failing on several inputs is one cause."""
    seen: dict[tuple[str, str], tuple[str, str, str]] = {}
    for kind, message, where in found:
        seen.setdefault((kind, where), (kind, message, where))
    return list(seen.values())


def _raised(value: Any) -> bool:
    return isinstance(value, dict) and "raised" in value


def error_gaps(expected: Any, actual: Any, check: Checked) -> list[tuple[str, str, str | None, str | None]] | None:
    """The documented errors the learner does not raise, when they are all that is wrong with a result.

    Returns (call, the exception wanted, the exception the learner's code
    raised instead or None, where in their code it raised) for each part where
    the reference raised and named its call; None when any other part differs
    (the failure is not only missing errors).
    """
    if compare(expected, actual, check) is None:
        return []
    if _raised(expected):
        if "call" not in expected:
            return None
        got = actual if _raised(actual) else {"raised": [None]}
        return [(expected["call"], expected["raised"][0], got["raised"][0], got.get("at"))]
    parts = _parts(expected, actual, actual)
    if parts is None:
        return None
    gaps = [error_gaps(e, a, check) for e, _, a in parts]
    return None if any(g is None for g in gaps) else [gap for found in gaps for gap in found]


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
    parts = _parts(expected, actual, actual)
    if parts is None:
        return None
    found = [layout_changes(e, a) for e, _, a in parts]
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


def form_changes(expected: Any, actual: Any, check: Checked) -> list[str] | None:
    """How the learner's result is the right one in another form, or None when some part differs otherwise.

    Recognised: another dtype, the dimensions in another order, a dimension of
    size 1 more or less, a Python list for a tensor or a tensor for a list, a
    type that is no tensor, the result with more items after it (a pair), and
    a simple function of the right values (a constant factor, a softmax, a
    log-softmax, an argmax). Each is seen in the result itself: the values are
    the expected ones, or follow from them, so the mistake is in how the
    result is built. Square tensors transposed are not a form: their values
    differ, and a wrong softmax axis does the same.
    """
    if compare(expected, actual, check) is None:
        return []
    if isinstance(expected, torch.Tensor):
        change = _form(expected, actual, check)
        return None if change is None else [change]
    if isinstance(expected, list) and isinstance(actual, torch.Tensor):
        return ["a tensor where a Python list is expected"] if actual.tolist() == expected else None
    parts = _parts(expected, actual, actual)
    if parts is None:
        return _extra_items(expected, actual, check)
    found = [form_changes(e, a, check) for e, _, a in parts]
    return None if any(f is None for f in found) else [change for f in found for change in f]


def _extra_items(expected: Any, actual: Any, check: Checked) -> list[str] | None:
    if isinstance(actual, (list, tuple)) and len(actual) >= 2 and compare(expected, actual[0], check) is None:
        return [f"a {type(actual).__name__} of {len(actual)} items, the expected result first: return the result alone"]
    return None


def _form(expected: torch.Tensor, actual: Any, check: Checked) -> str | None:
    if isinstance(actual, dict) and "unsupported" in actual:
        return f"a value of type {actual['unsupported']} where a torch tensor is expected"
    if isinstance(actual, (list, tuple)):
        extra = _extra_items(expected, actual, check)
        if extra:
            return extra[0]
        try:
            tensor = torch.tensor(actual, dtype=expected.dtype)
        except (TypeError, ValueError, RuntimeError):
            return None
        return "a Python list where a tensor is expected" if compare(expected, tensor, check) is None else None
    if not isinstance(actual, torch.Tensor):
        return None
    return _reshaped(expected, actual, check) or _function_of(expected, actual, check)


def _reshaped(expected: torch.Tensor, actual: torch.Tensor, check: Checked) -> str | None:
    """The right values as another dtype, or with the dimensions in another order or a size-1 dimension more or less."""
    if actual.numel() != expected.numel():
        return None
    values = actual.to(expected.dtype)
    dtype = f"dtype {str(actual.dtype).removeprefix('torch.')} where {str(expected.dtype).removeprefix('torch.')} is expected"
    if actual.shape == expected.shape:
        return dtype + " (the values are right)" if compare(expected, values, check) is None else None
    changes = [] if actual.dtype == expected.dtype else [dtype]
    shapes = f"shape {tuple(actual.shape)} where {tuple(expected.shape)} is expected"
    if [n for n in actual.shape if n != 1] == [n for n in expected.shape if n != 1]:
        if compare(expected, values.reshape(expected.shape), check) is None:
            return "; ".join([f"{shapes} (a dimension of size 1 more or less)", *changes])
    if actual.dim() == expected.dim() <= 4:
        for order in itertools.permutations(range(actual.dim())):
            moved = values.permute(order)
            if moved.shape == expected.shape and compare(expected, moved, check) is None:
                return "; ".join([f"{shapes} (the same dimensions in another order)", *changes])
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
    norm = (expected * expected).sum()
    if norm > 0 and torch.isfinite(actual).all():
        factor = float((expected * actual).sum() / norm)
        if not math.isclose(factor, 1.0, rel_tol=1e-3) and compare(factor * expected, actual, check) is None:
            return "every value 0 where non-zero values are expected" if factor == 0 else f"every value {factor:.3g} times the expected one"
    return None


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


def _load_error(actual: Any) -> bool:
    """Whether loading the documented weights into the learner's module failed (anywhere in a result)."""
    if _raised(actual):
        return "loading state_dict" in actual["message"]
    parts = _parts(actual, actual, actual)
    return any(_load_error(a) for _, _, a in parts) if parts else False


def crashes(expected: Any, actual: Any) -> list[tuple[str, str, str]]:
    """The exceptions the learner's code raised where the reference raised none: (type, message, where in their code)."""
    if _raised(actual):
        if _raised(expected) or "at" not in actual:
            return []
        return [(actual["raised"][0], " ".join(actual["message"].split())[:160], actual["at"])]
    parts = _parts(expected, actual, actual)
    return [crash for e, _, a in parts for crash in crashes(e, a)] if parts else []


def touched(checks: Sequence[Checked], expected: Mapping[str, Any], produced: Mapping[str, Any]) -> set[str]:
    """The ids of the checks a hypothesis fails: what it predicts the learner fails."""
    return {c.id for c in checks if compare(expected[c.id], produced[c.id], c) is not None}


def _weigh(exercise: str, mine: Sequence[Checked], expected: Mapping[str, Any], learner: Mapping[str, Any],
           hypotheses: list[tuple[str, str, Mapping[str, Any]]], failed: set[str], broken: set[str],
           ) -> tuple[list[tuple[set[str], Diagnosis]], list[tuple[float, Diagnosis]]]:
    """The fits, with their predictions, and the near misses, with the share of their predictions they explain."""
    by_id = {c.id: c for c in mine}
    named, near = [], []
    for bug_id, message, produced in hypotheses:
        predicted = touched(mine, expected, produced)
        if not predicted or not predicted <= failed:
            continue
        hits = {key for key in predicted if key in learner and explains(expected[key], produced[key], learner[key], by_id[key])}
        # A shape error torch raised inside the learner's code matches any hypothesis that gets a shape
        # wrong in the same call: on its own it is no evidence for this hypothesis rather than another.
        if hits == predicted and hits - broken:
            named.append((predicted, Diagnosis(exercise, bug_id, message)))
        elif hits - broken and len(hits) >= len(predicted) / 2:
            near.append((len(hits) / len(predicted), Diagnosis(exercise, bug_id, message, certain=False)))
    return named, near


def _seen_causes(exercise: str, by_id: Mapping[str, Checked], expected: Mapping[str, Any], learner: Mapping[str, Any],
                 unexplained: set[str]) -> tuple[set[str], list[Diagnosis]]:
    """Differences seen directly in the learner's results, not inferred: a parameter layout, token lists, a form.

    Returns the checks they explain and one cause per kind of difference. A
    layout explains its own check and every check that could not load the
    documented weights into the learner's module; token edits explain the
    tokenize checks; a form (the right values as another dtype or shape)
    explains the checks where every difference is one.
    """
    layouts = {key: found for key in sorted(unexplained) if key in learner and (found := layout_changes(expected[key], learner[key]))}
    if layouts:
        layouts |= {key: [] for key in sorted(unexplained - set(layouts)) if key in learner and _load_error(learner[key])}
    causes = [Diagnosis(exercise, "layout: " + "; ".join(found), "the parameters are not laid out as documented, and the checks "
                        "load weights by name and shape: " + _joined(found))
              for found in layouts.values() if found]
    tokens = {key: found for key in sorted(unexplained) if key.startswith(TOKEN_CHECKS) and key in learner
              and (found := token_changes(expected[key], learner[key]))}
    edits = list(dict.fromkeys(edit for found in tokens.values() for edit in found))
    if edits:
        causes.append(Diagnosis(exercise, "tokens: " + "; ".join(edits[:4]), "tokenize does not follow the documented rules: it gives " + _joined(edits)))
    forms = {key: found for key in sorted(unexplained - set(layouts) - set(tokens)) if key in learner
             and (found := form_changes(expected[key], learner[key], by_id[key]))}
    changes = list(dict.fromkeys(change for found in forms.values() for change in found))
    if changes:
        causes.append(Diagnosis(exercise, "form: " + "; ".join(changes[:4]), "the result is the right one in another form: " + _joined(changes)))
    return set(layouts) | set(tokens) | set(forms), causes


def _joined(found: list[str], most: int = 4) -> str:
    return "; ".join(found[:most]) + (f"; and {len(found) - most} more" if len(found) > most else "")


def diagnose(exercise: str, checks: Sequence[Checked], expected: Mapping[str, Any], learner: Mapping[str, Any],
             hypotheses: list[tuple[str, str, Mapping[str, Any]]]) -> list[Diagnosis]:
    """The causes that explain the learner's results on ``exercise``'s checks, and the exceptions their code raised.

    ``expected`` maps a check id to the reference's result; ``learner`` to the
    learner's (absent when the check produced none: a time-out, a crash);
    ``hypotheses`` are (id, message, results by check id). Returns the named
    causes, else at most one "possibly"; then one crash per place.
    """
    mine = [c for c in checks if c.exercise == exercise]
    failed = {c.id for c in mine if c.id not in learner or compare(expected[c.id], learner[c.id], c) is not None}
    if not failed:
        return []
    by_id = {c.id: c for c in mine}
    # What the learner's own code raised where the reference raised nothing: facts, reported apart.
    crashed = {key: found for key in failed if key in learner and (found := crashes(expected[key], learner[key]))}
    places = {(kind, where) for found in crashed.values() for kind, _, where in found}
    broken = {key for key, found in crashed.items() if any(_shape_error(message) for _, message, _ in found)}
    named, near = _weigh(exercise, mine, expected, learner, hypotheses, failed, broken)
    covered = set().union(*(p for p, _ in named))
    seen, observed = _seen_causes(exercise, by_id, expected, learner, failed - covered)
    # A documented error that is not raised names its own cause: the call and the exception it owes. Not
    # when what the learner's code raised instead is a crash that shows elsewhere too: that is the fault.
    gaps = {key: found for key in failed - covered - seen if key in learner and (found := error_gaps(expected[key], learner[key], by_id[key]))}
    gaps = {key: found for key, found in gaps.items() if not any((got, at) in places for _, _, got, at in found)}
    everything = _first_per_place(crash for found in crashed.values() for crash in found)
    # A raise statement of the learner's own that fires on an input the reference accepts is the
    # mistake itself (unless a hypothesis already explains it): a check that rejects what the
    # docstring allows. Other exceptions are facts.
    unexplained = _first_per_place(crash for key, found in crashed.items() if key not in covered | set(gaps) | seen for crash in found)
    rejects = [Diagnosis(exercise, f"rejects: {kind} at {where.partition(',')[0]}",
                         f"a check of yours rejects an input the docstring allows: it raises {kind} ({message}) at {where}")
               for kind, message, where in unexplained if _deliberate(kind, where)]
    facts = [Diagnosis(exercise, f"crash: {kind} at {where.partition(',')[0]}", f"your code raises {kind} ({message}) at {where}", kind="crash")
             for kind, message, where in everything if not _deliberate(kind, where)]
    if (named or gaps or rejects or observed) and covered | set(gaps) | seen | set(crashed) >= failed:
        kept = [d for p, d in named if not any(p < other for other, _ in named)] + observed
        kept += [Diagnosis(exercise, f"raises: {call}", f"{call} must raise {wanted}, but " + (f"it raised {got}" if got else "it returned without raising"))
                 for call, wanted, got, _ in dict.fromkeys(gap for found in gaps.values() for gap in found)]
        return kept + rejects + facts
    if named:  # each fits, but together they leave failures unexplained: a coincidence is possible
        predicted, best = max(named, key=lambda item: len(item[0]))
        near.append((1.0, Diagnosis(exercise, best.id, best.message, certain=False)))
    return ([max(near, key=lambda item: item[0])[1]] if near else []) + [replace(d, certain=False) for d in observed + rejects] + facts
