"""What explains a learner's results: a catalogued bug named only when it explains all it predicts, or a difference seen.

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
- a difference seen in the results themselves (``exercises/differences.py``:
  a parameter layout, token lists, the right values in another form) is named
  with what differs, in the checks no fit explains, even beside failures it
  does not explain: it is read off the results, so it cannot have come true by
  chance. It explains the checks it is seen in (a layout also every check
  that could not load the documented weights). A form with a parameter fitted
  to the learner's values (a factor, a softmax temperature, slices moved) could,
  on a small result: it is named only as a fit is, or when it comes true on two
  checks or more (two different inputs);
- a ``raise`` statement of the learner's own that fires where the reference
  raised nothing is named: a check that rejects what the docstring allows
  (unless the line is one the reference has too: then the reference's own
  check was given a wrong value, and that is a fact);
- any other exception the learner's own code raised where the reference raised
  none is reported apart, as a fact, not a cause ("your code raises TYPE
  (message) at FILE:LINE, in FUNCTION: STATEMENT"): its line may be where the
  mistake is or only where a wrong result was used. It explains that check's
  failure for the rule above; and when it is a shape error, it is no evidence
  for a hypothesis that fails the same way (any hypothesis that gets a shape
  wrong in the same torch call would). Its *pattern* can be: a hypothesis whose
  shape errors fall on exactly the learner's failed checks, whatever torch's
  message, with right results on all the others, is named when it is the only
  fit of any kind and fails at most half of the exercise's checks (odd k only,
  long sequences only). The exception is named as the cause when nothing
  else is left to explain and its line is telling: a line of the learner's own,
  not one the reference has too (that line is right: a wrong value only
  arrived there), and not a shape error nor a value out of range (the tensor
  of the wrong shape, the index too large, may have been made anywhere before);
- offered as **possibly** when nothing is named: the broadest fit, else the
  bug that explains the largest share (at least half) of its predictions,
  all of them checks the learner failed;
- otherwise left out. A wrong name is worse than none.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .comparison import Checked, compare, is_raised, parts
from .differences import TOKEN_CHECKS, form_changes, layout_changes, load_error, token_changes, vocabulary_changes


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


def explains(expected: Any, produced: Any, actual: Any, check: Checked, shapes_alike: bool = False) -> bool:
    """Whether a hypothesis's result ``produced`` is the learner's ``actual``, part by part, given the reference's ``expected``.

    With ``shapes_alike``, any two shape errors are alike: the same mistake made in other code fails in another call.
    """
    if compare(expected, actual, check) is None:
        return compare(expected, produced, check) is None
    if is_raised(produced) or is_raised(actual):
        if not (is_raised(produced) and is_raised(actual)):
            return False
        if shapes_alike and _shape_error(produced["message"]) and _shape_error(actual["message"]):
            return True
        return produced["raised"][0] == actual["raised"][0] and NUMBER.sub("#", produced["message"]) == NUMBER.sub("#", actual["message"])
    items = parts(expected, produced, actual)
    if items is not None:
        return all(explains(e, p, a, check, shapes_alike) for e, p, a in items)
    return compare(actual, produced, check, equal_nan=True) is None


# torch's messages for tensors of the wrong shape: many different mistakes end in one of these.
SHAPE_ERROR = re.compile(r"size of tensor a|shapes cannot be multiplied|shape '\[|Expected size for first two dimensions|"
                         r"must match the size|must match the existing size|expanded size|Dimension out of range|"
                         r"view size is not compatible|invalid for input of size|mismatch in shape|cannot be broadcast|"
                         r"number of dims|expected .* dimensions|Sizes of tensors must match|doesn't match the broadcast shape|"
                         r"does not match the shape of the indexed tensor|too many indices|normalized_shape|"
                         r"stack expects each tensor to be equal size|same number of dimensions|same number of elements|"
                         r"size mismatch|matrices expected|inconsistent tensor size|to match target batch_size|does not broadcast|"
                         r"expected sequence of length", re.IGNORECASE)


def _shape_error(message: str) -> bool:
    return bool(SHAPE_ERROR.search(message))


def _deliberate(kind: str, where: str) -> bool:
    """Whether the learner's line is a ``raise`` of their own of this exception (its message is theirs), not a call that failed.

    A ``raise IndexError(f"... {bad.item()}")`` that fails with a RuntimeError while building its message is a call that failed.
    """
    statement = where.partition(": ")[2]
    return statement.startswith("raise ") and kind in statement


def reference_lines(sources: Mapping[str, str]) -> frozenset[str]:
    """Every line of the reference's modules (``{"attention.py": source}``) as a crash's place names it: ``attention.py: statement``."""
    return frozenset(f"{name}: {line.strip()[:120]}" for name, source in sources.items() for line in source.splitlines() if line.strip())


# torch's messages for a value out of range (an index, a class): like a shape, the value may come from anywhere before.
VALUE_ERROR = re.compile(r"out of range|out of bounds|must be smaller than num_classes|index \S+ is out", re.IGNORECASE)


def _reference_line(where: str, reference_lines: Collection[str] | None) -> bool:
    """Whether the learner's line (``file:line, in function: statement``) is one the reference has too: a right line."""
    statement = where.partition(": ")[2]
    return reference_lines is not None and bool(statement) and f"{where.partition(':')[0]}: {statement}" in reference_lines


def _rejects(kind: str, where: str, reference_lines: Collection[str] | None) -> bool:
    """Whether a ``raise`` of the learner's own fired: not the reference's own check on a line they kept, which was given a wrong value."""
    return _deliberate(kind, where) and not _reference_line(where, reference_lines)


def _telling(kind: str, message: str, where: str, reference_lines: Collection[str] | None) -> bool:
    """Whether an exception the learner's code raised shows where their mistake is, so that it can be named as the cause.

    Not on a line the reference has too: that line is right, and only where a
    wrong value arrived. Not a shape error nor a value out of range: the tensor
    of the wrong shape, the index too large, may have been made anywhere before
    (but ``.view`` on a tensor whose memory does not allow it is the line's own
    mistake). Not the learner's own ``raise``: that is a check that rejects an
    input ("rejects: ...").
    """
    if reference_lines is None or not where.partition(": ")[2] or _deliberate(kind, where) or _reference_line(where, reference_lines):
        return False
    return not VALUE_ERROR.search(message) and (not _shape_error(message) or "Use .reshape(...) instead" in message)


def _crash(exercise: str, kind: str, message: str, where: str) -> Diagnosis:
    return Diagnosis(exercise, f"crash: {kind} at {where.partition(',')[0]}", f"your code raises {kind} ({message}) at {where}")


def _first_per_place(found) -> list[tuple[str, str, str]]:
    """One crash per (type, place): the same line failing on several inputs is one cause."""
    seen: dict[tuple[str, str], tuple[str, str, str]] = {}
    for kind, message, where in found:
        seen.setdefault((kind, where), (kind, message, where))
    return list(seen.values())


def error_gaps(expected: Any, actual: Any, check: Checked) -> list[tuple[str, str, str | None, str | None]] | None:
    """The documented errors the learner does not raise, when they are all that is wrong with a result.

    Returns (call, the exception wanted, the exception the learner's code
    raised instead or None, where in their code it raised) for each part where
    the reference raised and named its call; None when any other part differs
    (the failure is not only missing errors).
    """
    if compare(expected, actual, check) is None:
        return []
    if is_raised(expected):
        if "call" not in expected:
            return None
        got = actual if is_raised(actual) else {"raised": [None]}
        return [(expected["call"], expected["raised"][0], got["raised"][0], got.get("at"))]
    items = parts(expected, actual, actual)
    if items is None:
        return None
    gaps = [error_gaps(e, a, check) for e, _, a in items]
    return None if any(g is None for g in gaps) else [gap for found in gaps for gap in found]


def crashes(expected: Any, actual: Any) -> list[tuple[str, str, str]]:
    """The exceptions the learner's code raised where the reference raised none: (type, message, where in their code)."""
    if is_raised(actual):
        if is_raised(expected) or "at" not in actual:
            return []
        return [(actual["raised"][0], " ".join(actual["message"].split())[:160], actual["at"])]
    items = parts(expected, actual, actual)
    return [crash for e, _, a in items for crash in crashes(e, a)] if items else []


def touched(checks: Sequence[Checked], expected: Mapping[str, Any], produced: Mapping[str, Any]) -> set[str]:
    """The ids of the checks a hypothesis fails: what it predicts the learner fails."""
    return {c.id for c in checks if compare(expected[c.id], produced[c.id], c) is not None}


def _weigh(exercise: str, mine: Sequence[Checked], expected: Mapping[str, Any], learner: Mapping[str, Any],
           hypotheses: list[tuple[str, str, Mapping[str, Any]]], failed: set[str], broken: set[str],
           ) -> tuple[list[tuple[set[str], Diagnosis]], list[tuple[float, Diagnosis]]]:
    """The fits, with their predictions, and the near misses, with the share of their predictions they explain."""
    by_id = {c.id: c for c in mine}
    named, near, by_shape = [], [], []
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
        elif predicted == failed and 2 * len(predicted) <= len(mine) and all(
                key in learner and explains(expected[key], produced[key], learner[key], by_id[key], shapes_alike=True) for key in predicted):
            by_shape.append((predicted, Diagnosis(exercise, bug_id, message)))
    # Shape errors on just the inputs where a hypothesis has them, and right results on all others: the pattern of
    # the inputs that fail is the evidence, not torch's message. It names the hypothesis when no other fits, by its
    # pattern or its values, and when it spares most of the exercise's checks (shape errors nearly everywhere say
    # only that some shape is wrong somewhere).
    if len(by_shape) == 1 and not named:
        named += by_shape
    return named, near


def _seen_causes(exercise: str, by_id: Mapping[str, Checked], expected: Mapping[str, Any], learner: Mapping[str, Any],
                 unexplained: set[str]) -> tuple[set[str], list[Diagnosis], list[Diagnosis]]:
    """Differences seen directly in the learner's results, not inferred: a parameter layout, token lists, vocabularies, a form.

    Returns the checks they explain, one cause per kind of difference, and
    the fitted forms apart (a factor, a temperature, slices moved: they may
    come true by chance, as a hypothesis may). A layout explains its own check
    and every check that could not load the documented weights into the
    learner's module; token edits explain the tokenize checks; a form explains
    the checks where every difference is one.
    """
    def read(pool: set[str], differences) -> dict[str, list]:
        """What ``differences(check id)`` finds, by check, for the checks of ``pool`` that have a result."""
        return {key: found for key in sorted(pool) if key in learner and (found := differences(key))}

    layouts = read(unexplained, lambda key: layout_changes(expected[key], learner[key]))
    if layouts:
        layouts |= {key: [] for key in sorted(unexplained - set(layouts)) if key in learner and load_error(learner[key])}
    causes = [Diagnosis(exercise, "layout: " + "; ".join(found), "the parameters are not laid out as documented, and the checks "
                        "load weights by name and shape: " + _joined(found))
              for found in layouts.values() if found]
    tokens = read({key for key in unexplained if key.startswith(TOKEN_CHECKS)}, lambda key: token_changes(expected[key], learner[key]))
    if edits := _distinct(tokens):
        causes.append(Diagnosis(exercise, "tokens: " + "; ".join(edits[:4]), "tokenize does not follow the documented rules: it gives " + _joined(edits)))
    vocabularies = read(unexplained - set(layouts) - set(tokens), lambda key: vocabulary_changes(expected[key], learner[key], by_id[key]))
    if told := _distinct(vocabularies):
        causes.append(Diagnosis(exercise, "vocabulary: " + "; ".join(told[:4]), "the vocabulary differs: " + _joined(told)))
    forms = read(unexplained - set(layouts) - set(tokens) - set(vocabularies), lambda key: form_changes(expected[key], learner[key], by_id[key]))
    changes = _distinct(forms)
    exact, fitted = [c.text for c in changes if not c.fitted], [c.text for c in changes if c.fitted]
    if exact:
        causes.append(Diagnosis(exercise, "form: " + "; ".join(exact[:4]), "the result is the right one in another form: " + _joined(exact)))
    transforms = [Diagnosis(exercise, "form: " + "; ".join(fitted[:4]), "the result is the right one transformed: " + _joined(fitted))] if fitted else []
    # A fit that comes true on two checks, two different inputs, is no longer a chance: it is seen.
    if sum(any(c.fitted for c in found) for found in forms.values()) >= 2:
        causes, transforms = causes + transforms, []
    return set(layouts) | set(tokens) | set(vocabularies) | set(forms), causes, transforms


def _distinct(found: Mapping[str, list]) -> list:
    """Every difference found, once, in the order of the checks."""
    return list(dict.fromkeys(change for changes in found.values() for change in changes))


def _joined(found: list[str], most: int = 4) -> str:
    return "; ".join(found[:most]) + (f"; and {len(found) - most} more" if len(found) > most else "")


def diagnose(exercise: str, checks: Sequence[Checked], expected: Mapping[str, Any], learner: Mapping[str, Any],
             hypotheses: list[tuple[str, str, Mapping[str, Any]]], reference_lines: Collection[str] | None = None) -> list[Diagnosis]:
    """The causes that explain the learner's results on ``exercise``'s checks, and the exceptions their code raised.

    ``expected`` maps a check id to the reference's result; ``learner`` to the
    learner's (absent when the check produced none: a time-out, a crash);
    ``hypotheses`` are (id, message, results by check id); ``reference_lines``
    are the reference's lines (``reference_lines()``), or None when they are not
    at hand (then no exception is named). Returns the named causes, else at most
    one "possibly"; then one crash per place.
    """
    mine = [c for c in checks if c.exercise == exercise]
    failed = {c.id for c in mine if c.id not in learner or compare(expected[c.id], learner[c.id], c) is not None}
    if not failed:
        return []
    by_id = {c.id: c for c in mine}
    # What the learner's own code raised where the reference raised nothing: facts, reported apart.
    # In the checks' order, so that the same results give the same feedback in every process (sets of strings are not).
    crashed = {key: found for key in sorted(failed) if key in learner and (found := crashes(expected[key], learner[key]))}
    places = {(kind, where) for found in crashed.values() for kind, _, where in found}
    broken = {key for key, found in crashed.items() if any(_shape_error(message) for _, message, _ in found)}
    named, near = _weigh(exercise, mine, expected, learner, hypotheses, failed, broken)
    covered = set().union(*(p for p, _ in named))
    seen, observed, transformed = _seen_causes(exercise, by_id, expected, learner, failed - covered)
    # A documented error that is not raised names its own cause: the call and the exception it owes. Not
    # when what the learner's code raised instead is a crash that shows elsewhere too: that is the fault.
    gaps = {key: found for key in sorted(failed - covered - seen) if key in learner and (found := error_gaps(expected[key], learner[key], by_id[key]))}
    gaps = {key: found for key, found in gaps.items() if not any((got, at) in places for _, _, got, at in found)}
    everything = _first_per_place(crash for found in crashed.values() for crash in found)
    # A raise statement of the learner's own that fires on an input the reference accepts is the
    # mistake itself (unless a hypothesis already explains it): a check that rejects what the
    # docstring allows. Other exceptions are facts, unless one is all that is left to explain and
    # shows where the mistake is (``_telling``).
    unexplained = _first_per_place(crash for key, found in crashed.items() if key not in covered | set(gaps) | seen for crash in found)
    rejects = [Diagnosis(exercise, f"rejects: {kind} at {where.partition(',')[0]}",
                         f"a check of yours rejects an input the docstring allows: it raises {kind} ({message}) at {where}")
               for kind, message, where in unexplained if _rejects(kind, where, reference_lines)]
    explained = covered | set(gaps) | seen | set(crashed) >= failed
    telling = {(kind, where) for kind, message, where in unexplained if explained and _telling(kind, message, where, reference_lines)}
    crashes_named = [_crash(exercise, kind, message, where) for kind, message, where in everything if (kind, where) in telling]
    facts = [replace(_crash(exercise, kind, message, where), kind="crash") for kind, message, where in everything
             if not _rejects(kind, where, reference_lines) and (kind, where) not in telling]
    if (named or gaps or rejects or observed or transformed or crashes_named) and explained:
        kept = [d for p, d in named if not any(p < other for other, _ in named)] + observed + transformed
        kept += [Diagnosis(exercise, f"raises: {call}", f"{call} must raise {wanted}, but " + (f"it raised {got}" if got else "it returned without raising"))
                 for call, wanted, got, _ in dict.fromkeys(gap for found in gaps.values() for gap in found)]
        return kept + rejects + crashes_named + facts
    if named:  # each fits, but together they leave failures unexplained: a coincidence is possible
        predicted, best = max(named, key=lambda item: len(item[0]))
        near.append((1.0, Diagnosis(exercise, best.id, best.message, certain=False)))
    # A difference seen in the results is no guess: it is named even beside failures it does not explain. A fitted
    # form is offered, as a fit that leaves failures unexplained is.
    possible = [replace(d, certain=False) for d in transformed] or ([max(near, key=lambda item: item[0])[1]] if near else [])
    return observed + possible + [replace(d, certain=False) for d in rejects] + facts
