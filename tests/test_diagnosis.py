"""The matching rules of exercises/diagnosis.py, on small made-up checks and hypotheses."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from exercises.comparison import compare
from exercises.diagnosis import diagnose, reference_lines


@dataclass(frozen=True)
class Fake:
    name: str
    exercise: str = "attention"
    atol: float = 1e-5
    rtol: float = 1e-4

    @property
    def id(self) -> str:
        return f"{self.exercise}.{self.name}"


CHECKS = [Fake("a"), Fake("b"), Fake("c")]
EXPECTED = {"attention.a": 1, "attention.b": 2, "attention.c": 3}


def named(learner: dict, hypotheses: list) -> list[tuple[str, bool]]:
    return [(d.id, d.certain) for d in diagnose("attention", CHECKS, EXPECTED, learner, hypotheses)]


def test_a_fit_that_leaves_other_failures_unexplained_is_offered_only_as_possible():
    """A hypothesis right about check a, while the learner also fails b and c for reasons it does not predict, is not named."""
    learner = {"attention.a": 9, "attention.b": 8, "attention.c": 7}
    assert named(learner, [("narrow", "a only", {**EXPECTED, "attention.a": 9})]) == [("narrow", False)]


def test_two_fits_that_together_explain_every_failure_are_both_named():
    """Two bugs, each predicting its own failures exactly, are both named."""
    learner = {"attention.a": 9, "attention.b": 8, "attention.c": 3}
    hypotheses = [("first", "a", {**EXPECTED, "attention.a": 9}), ("second", "b", {**EXPECTED, "attention.b": 8})]
    assert named(learner, hypotheses) == [("first", True), ("second", True)]


def test_of_two_fits_the_one_that_predicts_more_is_kept():
    """A fit whose predictions are a subset of another fit's gives way to it."""
    learner = {"attention.a": 9, "attention.b": 8, "attention.c": 3}
    hypotheses = [("part", "a", {**EXPECTED, "attention.a": 9}), ("whole", "a and b", {**EXPECTED, "attention.a": 9, "attention.b": 8})]
    assert named(learner, hypotheses) == [("whole", True)]


def test_a_hypothesis_that_fails_a_check_the_learner_passed_is_never_offered():
    """Predicting a failure the learner does not have rules a hypothesis out, even as possible."""
    learner = {"attention.a": 9, "attention.b": 2, "attention.c": 3}
    assert named(learner, [("wrong", "a and b", {**EXPECTED, "attention.a": 9, "attention.b": 8})]) == []


def test_a_hypothesis_right_on_half_its_predictions_is_possible():
    """Explaining one of two predicted failures (the other failed differently) makes a near miss."""
    learner = {"attention.a": 9, "attention.b": 7, "attention.c": 3}
    assert named(learner, [("near", "a and b", {**EXPECTED, "attention.a": 9, "attention.b": 8})]) == [("near", False)]


def test_a_documented_error_that_is_not_raised_is_named_with_its_call():
    """When all that is wrong is a missing exception, the cause names the call and the exception it owes."""
    expected = {**EXPECTED, "attention.c": [{"raised": ["ValueError", "Exception"], "message": "k=0", "call": "SelfAttention(k=0)"}, 3]}
    learner = {**EXPECTED, "attention.c": [{"raised": ["ZeroDivisionError", "Exception"], "message": "division by zero"}, 3]}
    found = diagnose("attention", CHECKS, expected, learner, [])
    assert [(d.message, d.certain) for d in found] == [("SelfAttention(k=0) must raise ValueError, but it raised ZeroDivisionError", True)]


def test_a_missing_error_beside_a_wrong_value_names_nothing_for_that_check():
    """A check that also returns a wrong value is not only a missing error: no cause is made up for it."""
    expected = {**EXPECTED, "attention.c": [{"raised": ["ValueError", "Exception"], "message": "k=0", "call": "SelfAttention(k=0)"}, 3]}
    learner = {**EXPECTED, "attention.c": [5, 4]}
    assert diagnose("attention", CHECKS, expected, learner, []) == []


def test_an_exception_raised_in_the_learners_code_is_reported_with_its_line_as_a_fact():
    """Where the reference raised nothing, the learner's exception and the line of theirs it came from are reported, apart from the causes."""
    crash = {"raised": ["TypeError", "Exception"], "message": "sqrt(): argument 'input' must be Tensor, not int",
             "at": "attention.py:103, in attention_weights: scores = X @ X.mT / torch.sqrt(k)"}
    learner = {**EXPECTED, "attention.a": crash, "attention.b": crash}
    found = diagnose("attention", CHECKS, EXPECTED, learner, [])
    assert [(d.id, d.kind) for d in found] == [("crash: TypeError at attention.py:103", "crash")]
    assert found[0].message.startswith("your code raises TypeError (sqrt(): argument") and "in attention_weights" in found[0].message


def test_an_exception_from_outside_the_learners_code_names_nothing():
    """An exception with no line of the learner's code in its traceback (no "at") is not made a cause."""
    learner = {**EXPECTED, "attention.a": {"raised": ["MemoryError", "Exception"], "message": ""}}
    assert diagnose("attention", CHECKS, EXPECTED, learner, []) == []


SHAPE_CRASH = {"raised": ["RuntimeError", "Exception"], "message": "The size of tensor a (2) must match the size of tensor b (4)",
               "at": "attention.py:67, in masked_softmax: ..."}
OTHER_SHAPE_CRASH = {"raised": ["RuntimeError", "Exception"], "message": "shape '[10, 7]' is invalid for input of size 80"}


def test_a_hypothesis_with_shape_errors_on_just_the_learners_failures_is_named_when_no_other_has_them():
    """Shape errors where the learner has them, whatever torch's message, and right results elsewhere: the pattern names the one bug that has it."""
    learner = {**EXPECTED, "attention.a": SHAPE_CRASH}
    found = diagnose("attention", CHECKS, EXPECTED, learner, [("guess", "a guess", {**EXPECTED, "attention.a": OTHER_SHAPE_CRASH})])
    assert [(d.id, d.certain, d.kind) for d in found] == [("guess", True, "cause"), ("crash: RuntimeError at attention.py:67", True, "crash")]


def test_two_hypotheses_with_the_learners_pattern_of_shape_errors_are_neither_named_nor_offered():
    """A shape error is no evidence for one hypothesis rather than another that fails on the same inputs."""
    learner = {**EXPECTED, "attention.a": SHAPE_CRASH}
    guesses = [(name, name, {**EXPECTED, "attention.a": OTHER_SHAPE_CRASH}) for name in ("guess", "other guess")]
    found = diagnose("attention", CHECKS, EXPECTED, learner, guesses)
    assert [(d.id, d.certain, d.kind) for d in found] == [("crash: RuntimeError at attention.py:67", True, "crash")]


def test_a_hypothesis_with_shape_errors_on_most_of_the_exercises_checks_is_not_named():
    """Shape errors on most checks say only that some shape is wrong somewhere: the pattern is no evidence then."""
    learner = {**EXPECTED, "attention.a": SHAPE_CRASH, "attention.b": SHAPE_CRASH}
    guess = {**EXPECTED, "attention.a": OTHER_SHAPE_CRASH, "attention.b": OTHER_SHAPE_CRASH}
    found = diagnose("attention", CHECKS, EXPECTED, learner, [("guess", "a guess", guess)])
    assert [d.id for d in found if d.kind == "cause"] == []


def test_a_hypothesis_with_shape_errors_on_only_some_of_the_learners_failures_is_not_named():
    """Shape errors alike on one check are no evidence when the learner fails another check the hypothesis passes."""
    learner = {**EXPECTED, "attention.a": SHAPE_CRASH, "attention.b": SHAPE_CRASH}
    found = diagnose("attention", CHECKS, EXPECTED, learner, [("guess", "a guess", {**EXPECTED, "attention.a": OTHER_SHAPE_CRASH})])
    assert [d.id for d in found if d.kind == "cause"] == []


def test_a_missing_error_that_is_a_crash_seen_elsewhere_is_not_named_as_missing():
    """When the code crashes in __init__, the checks that wanted a ValueError show the crash, not a missing check."""
    crash = {"raised": ["AttributeError", "Exception"], "message": "cannot assign module", "at": "positional.py:46, in __init__: ..."}
    expected = {**EXPECTED, "attention.c": {"raised": ["ValueError", "Exception"], "message": "bad x", "call": "forward on a 2-D x"}}
    learner = {"attention.a": crash, "attention.b": 2, "attention.c": crash}
    found = diagnose("attention", CHECKS, expected, learner, [])
    assert [(d.id, d.kind) for d in found] == [("crash: AttributeError at positional.py:46", "crash")]


def test_a_raise_of_the_learners_own_on_a_valid_input_is_named_as_a_check_that_rejects_it():
    """The learner's own raise statement firing where the reference returns a result is the mistake: it is named."""
    own = {"raised": ["ValueError", "Exception"], "message": "sequence 0 is longer than max_len=1",
           "at": "padding.py:63, in pad_sequences: raise ValueError(f\"sequence {i} is longer than max_len={T}\")"}
    found = diagnose("attention", CHECKS, EXPECTED, {**EXPECTED, "attention.b": own}, [])
    assert [(d.id, d.certain, d.kind) for d in found] == [("rejects: ValueError at padding.py:63", True, "cause")]


LAYOUT = {"embedding.weight": (9, 5)}
LOAD_ERROR = {"raised": ["RuntimeError", "Exception"], "message": "Error(s) in loading state_dict for PositionalEmbedding: ..."}


def test_a_parameter_layout_that_differs_is_named_with_what_differs():
    """A renamed parameter is named as such: the layout is seen, not inferred, and explains the checks that could not load weights."""
    expected = {**EXPECTED, "attention.a": LAYOUT}
    learner = {"attention.a": {"table.weight": (9, 5)}, "attention.b": LOAD_ERROR, "attention.c": 3}
    found = diagnose("attention", CHECKS, expected, learner, [])
    assert [(d.id, d.certain) for d in found] == [("layout: `table.weight` where the documented name is `embedding.weight`", True)]


def test_a_layout_of_the_wrong_shape_names_both_shapes():
    """A parameter of the wrong size is reported with the shape it has and the shape it should have."""
    expected = {**EXPECTED, "attention.a": (LAYOUT, LAYOUT)}
    learner = {**EXPECTED, "attention.a": ({"embedding.weight": (10, 5)}, LAYOUT)}
    found = diagnose("attention", CHECKS, expected, learner, [])
    assert [d.id for d in found] == ["layout: `embedding.weight` has shape (10, 5), not (9, 5)"]


def test_a_differing_layout_beside_a_failure_it_does_not_explain_is_named_all_the_same():
    """A wrong value that is no load error is something else, but the layout is seen, not guessed: it is still named."""
    expected = {**EXPECTED, "attention.a": LAYOUT}
    learner = {"attention.a": {"embedding.weight": (9, 5), "extra": (3,)}, "attention.b": 7, "attention.c": 3}
    found = diagnose("attention", CHECKS, expected, learner, [])
    assert [(d.id, d.certain) for d in found] == [("layout: `extra` (3,) is not in the documented layout", True)]


def test_tokens_that_differ_are_named_edit_by_edit():
    """A tokenizer's result is described by the edits that turn the documented tokens into the learner's, each edit once."""
    checks = [Fake("tokenize_texts", exercise="vocab"), Fake("order", exercise="vocab")]
    expected = {"vocab.tokenize_texts": [["wow", "!", "!"], ["a", "b"], ["no", "!", "!"]], "vocab.order": 1}
    learner = {"vocab.tokenize_texts": [["wow", "!!"], ["a", "", "b"], ["no", "!!"]], "vocab.order": 1}
    found = diagnose("vocab", checks, expected, learner, [])
    assert [(d.id, d.certain) for d in found] == [("tokens: ['!!'] where the rules give ['!', '!']; [''] where the rules give no token", True)]
    assert found[0].message.startswith("tokenize does not follow the documented rules: it gives ['!!']")


def test_token_lists_of_a_check_not_named_tokenize_are_not_described_as_tokens():
    """Only the tokenize checks hold token lists: the order of a vocabulary is not a tokenizer's edit."""
    checks = [Fake("order", exercise="vocab")]
    found = diagnose("vocab", checks, {"vocab.order": [["a", "b"]]}, {"vocab.order": [["b", "a"]]}, [])
    assert found == []


def forms(expected, actual) -> list[str]:
    """The form causes found for one check whose expected and actual results are given."""
    checks = [Fake("a")]
    return [d.id for d in diagnose("attention", checks, {"attention.a": expected}, {"attention.a": actual}, [])]


def test_the_right_values_in_another_form_are_named_by_their_form():
    """Another dtype, another order of dimensions, a list, a pair and a foreign type are each named as what they are."""
    x = torch.arange(6.0).reshape(2, 3)
    assert forms(x, x.double()) == ["form: dtype float64 where float32 is expected (the values are right)"]
    assert forms(x, x.T.contiguous()) == ["form: shape (3, 2) where (2, 3) is expected (the same dimensions in another order)"]
    assert forms(x, x.unsqueeze(0)) == ["form: shape (1, 2, 3) where (2, 3) is expected (a dimension of size 1 more or less)"]
    assert forms(x.reshape(1, 2, 3), x.reshape(2, 3)) == [
        "form: shape (2, 3) where (1, 2, 3) is expected (a dimension of size 1 more or less)"]
    assert forms(x.reshape(2, 3, 1).expand(2, 3, 2).contiguous(), x.repeat_interleave(2).reshape(6, 2)) == [
        "form: shape (6, 2) where (2, 3, 2) is expected (the same values in the same order, reshaped: dimensions merged or split)"]
    assert forms(x, x.tolist()) == ["form: a Python list where a tensor is expected"]
    assert forms(torch.zeros(0, 5), torch.zeros(0, 0)) == ["form: shape (0, 0) where (0, 5) is expected (both empty)"]
    assert forms(x, (x, torch.ones(2))) == ["form: a tuple of 2 items, the expected result first: return the result alone"]
    assert forms(x, {"unsupported": "ndarray"}) == ["form: a value of type ndarray where a torch tensor is expected"]
    assert forms(x, None) == ["form: None where a tensor is expected (a missing return, or no gradient where one is expected)"]
    assert forms(x, torch.cat([x, torch.ones(2, 1)], 1)) == ["form: 4 slices along dimension 1 where 3 are expected: the expected ones with 1 more at the end"]
    assert forms(x, x[1:]) == ["form: 1 slices along dimension 0 where 2 are expected: the expected ones with 1 missing at the start"]


def test_a_simple_function_of_the_right_values_is_named_by_the_function():
    """A constant factor, a softmax and an argmax of the expected values are seen in the result."""
    logits = torch.tensor([[0.5, -1.0], [2.0, 0.25]])
    assert forms(logits, logits / 2) == ["form: every value 0.5 times the expected one"]
    assert forms(logits, torch.nn.functional.normalize(logits, dim=-1)) == [
        "form: every vector along the last dimension the expected one scaled to length 1 (normalised)"]
    assert forms(logits, logits.softmax(-1)) == ["form: the softmax along the last dimension of the expected values, where the values themselves are expected"]
    scores = torch.tensor([[0.3, -1.2, 2.0], [1.0, 0.0, -0.5]])
    assert forms(scores.softmax(-1), (2.5 * scores).softmax(-1)) == [
        "form: the softmax of the documented scores times 2.5: the scores are scaled by another factor than the documented one"]
    assert forms(logits, logits.argmax(-1)) == ["form: the index of the largest value along the last dimension (an argmax) where the values themselves are expected"]


def test_values_that_differ_otherwise_are_no_form():
    """A square result transposed has other values, and other values are no form: nothing is named."""
    x = torch.tensor([[1.0, 2.0], [3.0, 5.0]])
    assert forms(x, x.T.contiguous()) == []
    assert forms(x, x + torch.tensor([[0.0, 1.0], [0.0, 0.0]])) == []


def test_the_expected_slices_in_another_order_are_named_by_where_each_comes_from():
    """Rows sorted, features copied, positions shifted: each slice along one dimension holds an expected one."""
    x = torch.arange(12.0).reshape(4, 3)
    assert forms(x, x.flip(0)) == ["form: along dimension 0, the expected slices in reverse order"]
    assert forms(x, x[[1, 2, 3, 3]]) == ["form: along dimension 0, slice i holds the expected slice i+1 (clamped at the ends)"]
    assert forms(x, x[:, [0, 0, 2]]) == ["form: along dimension 1, slice 1 holds the expected 0"]
    padded = torch.tensor([[5, 6], [0, 0], [7, 0], [0, 0]])
    assert forms(padded, torch.tensor([[5, 6], [0, 0], [0, 0], [0, 0]])) == []  # a row of padding could have come from anywhere


def test_a_fitted_form_beside_a_failure_it_does_not_explain_is_only_possible():
    """A factor fitted to one result may be a coincidence: with another failure unexplained it is offered, not named."""
    x = torch.tensor([[0.5, -1.0], [2.0, 0.25]])
    checks = [Fake("a"), Fake("b")]
    found = diagnose("attention", checks, {"attention.a": x, "attention.b": 2}, {"attention.a": x / 2, "attention.b": 3}, [])
    assert [(d.id, d.certain) for d in found] == [("form: every value 0.5 times the expected one", False)]


def test_a_fitted_form_seen_on_two_checks_is_named_beside_a_failure_it_does_not_explain():
    """The same kind of fit coming true on two inputs is no coincidence: it is named, as a difference seen is."""
    x, y = torch.tensor([[0.5, -1.0], [2.0, 0.25]]), torch.tensor([[1.5, 3.0], [-2.0, 0.75]])
    expected = {"attention.a": x, "attention.b": y, "attention.c": 3}
    found = diagnose("attention", CHECKS, expected, {"attention.a": x / 2, "attention.b": y / 4, "attention.c": 4}, [])
    assert [(d.id, d.certain) for d in found] == [("form: every value 0.5 times the expected one; every value 0.25 times the expected one", True)]


# Lines of the reference, as ``reference_lines`` gives them, for the crashes below.
REFERENCE = {"attention.py": "def attention_weights(X, mask=None):\n    scores = X @ X.mT / math.sqrt(k)\n"}


def crashed(where: str, message: str = "sqrt(): argument 'input' must be Tensor, not int", kind: str = "TypeError") -> dict:
    return {"raised": [kind, "Exception"], "message": message, "at": f"attention.py:103, in attention_weights: {where}"}


def test_an_exception_on_a_line_of_the_learners_own_that_explains_every_failure_is_named():
    """All that is wrong is one exception, on a line the reference does not have: that line is the mistake, named with its message."""
    crash = crashed("scores = X @ X.mT / torch.sqrt(k)")
    found = diagnose("attention", CHECKS, EXPECTED, {**EXPECTED, "attention.a": crash, "attention.b": crash}, [], reference_lines(REFERENCE))
    assert [(d.id, d.certain, d.kind) for d in found] == [("crash: TypeError at attention.py:103", True, "cause")]
    assert "torch.sqrt(k)" in found[0].message and "must be Tensor, not int" in found[0].message


def test_an_exception_that_does_not_show_where_the_mistake_is_stays_a_fact():
    """On a line the reference has too, a shape error, beside an unexplained failure, or with no reference at hand: a fact, not a cause."""
    own, shape = crashed("scores = X @ X.mT / torch.sqrt(k)"), crashed("scores = X @ X.T / k", "The size of tensor a (2) must match the size of tensor b (4)", "RuntimeError")
    cases = [
        ({**EXPECTED, "attention.a": crashed("scores = X @ X.mT / math.sqrt(k)")}, reference_lines(REFERENCE)),
        ({**EXPECTED, "attention.a": shape}, reference_lines(REFERENCE)),
        ({**EXPECTED, "attention.a": own, "attention.b": 5}, reference_lines(REFERENCE)),
        ({**EXPECTED, "attention.a": own}, None),
        ({**EXPECTED, "attention.a": crashed("one_hot = F.one_hot(ids, vocab)", "Class values must be smaller than num_classes.", "RuntimeError")},
         reference_lines(REFERENCE)),
    ]
    for learner, lines in cases:
        found = diagnose("attention", CHECKS, EXPECTED, learner, [], lines)
        assert [d.kind for d in found] == ["crash"], (learner, [d.id for d in found])


def test_a_raise_on_a_line_the_reference_has_too_is_a_fact_not_a_check_of_the_learners():
    """The reference's own check, kept as given, fired on a wrong value made elsewhere: it rejects nothing the docstring allows."""
    lines = reference_lines({"attention.py": 'def f(x):\n    raise ValueError(f"repeated: {x}")\n'})
    crash = {"raised": ["ValueError", "Exception"], "message": "repeated: ['<unk>']", "at": 'attention.py:2, in f: raise ValueError(f"repeated: {x}")'}
    found = diagnose("attention", CHECKS, EXPECTED, {**EXPECTED, "attention.a": crash}, [], lines)
    assert [(d.id, d.kind) for d in found] == [("crash: ValueError at attention.py:2", "crash")]
    assert [d.id for d in diagnose("attention", CHECKS, EXPECTED, {**EXPECTED, "attention.a": crash}, [], reference_lines({}))] == [
        "rejects: ValueError at attention.py:2"]


def test_view_on_a_tensor_whose_memory_does_not_allow_it_is_named_on_its_own_line():
    """``.view`` after a transpose fails on the line that calls it: unlike other shape errors, that line is the mistake."""
    crash = crashed("out = out.transpose(1, 2).view(b, t, k)", "view size is not compatible with input tensor's size and stride "
                    "(at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.", "RuntimeError")
    found = diagnose("attention", CHECKS, EXPECTED, {**EXPECTED, "attention.c": crash}, [], reference_lines(REFERENCE))
    assert [(d.id, d.kind) for d in found] == [("crash: RuntimeError at attention.py:103", "cause")]


def test_a_vocabulary_that_differs_is_named_by_the_words_missing_extra_or_moved():
    """An itos list (it starts with <pad>, <unk>) is described by the words it lacks or adds, with their ids, or the first id that moved."""
    expected = ["<pad>", "<unk>", "film", "good", "bad"]
    assert forms(expected, ["<pad>", "<unk>", "bad"]) == ["vocabulary: 3 words where 5 are expected: missing 'film' (id 2), 'good' (id 3)"]
    assert forms(expected, ["<pad>", "<unk>", "film", "good", "bad", "zz"]) == ["vocabulary: 6 words where 5 are expected: extra 'zz' (id 5)"]
    assert forms(expected, ["<pad>", "<unk>", "bad", "film", "good"]) == [
        "vocabulary: 5 words where 5 are expected: the right words in another order (id 2 is 'bad' where 'film' is expected)"]


def test_differences_of_every_dtype_and_container_never_raise():
    """float64 and float16 vectors rescaled, and dicts of tensors beside a vocabulary, are read without an error."""
    x = torch.tensor([[0.5, -1.0], [2.0, 0.25]])
    for dtype in (torch.float64, torch.float16):
        found = forms(x.to(dtype), torch.nn.functional.normalize(x, dim=-1).to(dtype))
        assert found == ["form: every vector along the last dimension the expected one scaled to length 1 (normalised)"], dtype
    grads = {"w": torch.ones(2)}
    assert forms(({"w": torch.ones(2)}, ["<pad>", "<unk>", "a"]), ({"v": torch.ones(2)}, ["<pad>", "<unk>", "b"])) == []
    assert forms((grads, ["<pad>", "<unk>", "a"]), (grads, ["<pad>", "<unk>", "b"])) == [
        "vocabulary: 3 words where 3 are expected: missing 'a' (id 2); extra 'b' (id 2)"]


def test_a_sparse_tensor_or_one_on_another_device_is_a_difference_not_an_error():
    """A sparse gradient or a tensor on the meta device fails the comparison with a message; comparing and diagnosing never raise."""
    x = torch.tensor([[0.5, 0.0], [0.0, 0.25]])
    for odd in (x.to_sparse(), x.to("meta")):
        assert "tensor on cpu, got a" in compare(x, odd, Fake("a"))
        diagnose("attention", [Fake("a")], {"attention.a": x}, {"attention.a": odd}, [])
    assert forms(x, x.to_sparse()) == ["form: a torch.sparse_coo tensor on cpu where a torch.strided one on cpu is expected (the values are right)"]
