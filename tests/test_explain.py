"""Looking inside a trained classifier (solutions/explain.py, predict --explain)."""

import math

import pytest
import torch
from matplotlib.figure import Figure
from torch.testing import assert_close

from solutions import explain, predict, train
from solutions.classifier import TransformerClassifier
from solutions.vocab import build_vocab, tokenize
from tests.independent.exercises.classifier import TransformerClassifier as IndependentClassifier

TEXT = "A great cast, a great story and a moving end: the best film of the year, not dull at all."


@pytest.fixture
def vocab():
    return build_vocab([tokenize(TEXT + " bad dull slow awful")])


@pytest.fixture
def model(vocab):
    """A random 2-block, 3-head classifier (k = 12) in training mode, as a notebook might hold it."""
    torch.manual_seed(0)
    return TransformerClassifier(len(vocab), 12, 3, 2, max_len=32, dropout=0.3)


def by_hand(model: TransformerClassifier, ids: torch.Tensor, heads: int) -> torch.Tensor:
    """The spec's weights, block by block: softmax(Q_h K_h^T / sqrt(s)) on each head's slice, (depth, heads, T, T)."""
    h = model.position(model.token_embedding(ids))
    found = []
    for block in model.blocks:
        x = block.norm1(h)
        k = x.shape[-1]
        s = k // heads
        q, key = block.attention.to_queries(x)[0], block.attention.to_keys(x)[0]  # (T, k)
        found.append(torch.stack([(q[:, i * s:(i + 1) * s] @ key[:, i * s:(i + 1) * s].T / math.sqrt(s)).softmax(-1) for i in range(heads)]))
        h = block(h)
    return torch.stack(found)


def test_weights_are_rows_summing_to_one_over_the_words_read(model, vocab):
    """One (heads, T, T) matrix per block, non-negative, every row summing to 1 over the review's words."""
    e = explain.explain(model, vocab, TEXT, heads=3, max_len=16)
    assert e.weights.shape == (2, 3, 16, 16) and len(e.tokens) == 16
    assert (e.weights >= 0).all()
    assert_close(e.weights.sum(dim=-1), torch.ones(2, 3, 16))


def test_weights_are_the_softmax_of_each_heads_queries_and_keys(model, vocab):
    """The weights read out of the module equal softmax(Q_h K_h^T / sqrt(s)) worked out from its projections."""
    e = explain.explain(model, vocab, TEXT, heads=3, max_len=16)
    model.eval()
    with torch.no_grad():
        expected = by_hand(model, torch.tensor([vocab.encode(e.tokens)]), heads=3)
    assert_close(e.weights, expected)


def test_any_implementation_of_the_spec_gives_the_same_explanation(model, vocab):
    """The independent implementation (einsum, -inf masking, layers made in another order) with the same weights gives the same weights and prediction."""
    other = IndependentClassifier(len(vocab), 12, 3, 2, 32)
    other.load_state_dict(model.state_dict())
    ours = explain.explain(model, vocab, TEXT, heads=3, max_len=16)
    theirs = explain.explain(other, vocab, TEXT, heads=3, max_len=16)
    assert_close(theirs.weights, ours.weights)
    assert (theirs.label, theirs.probability) == pytest.approx((ours.label, ours.probability))


def test_prediction_is_the_models_and_the_model_keeps_its_mode(model, vocab):
    """Label and probability are those of predict (dropout off); a model in training mode is left in it."""
    e = explain.explain(model, vocab, TEXT, heads=3, max_len=16, truncate="head")
    assert model.training
    cfg = train.Config(max_len=16, truncate="head", k=12, heads=3)
    [(label, probability)] = predict.predict(model.eval(), vocab, cfg, [TEXT])
    assert (e.label, e.probability) == (label, pytest.approx(probability))


def test_a_long_review_is_shortened_as_in_training(model, vocab):
    """The words read are train.shorten's; the count before shortening is kept; unknown words are flagged."""
    e = explain.explain(model, vocab, TEXT + " zzz", heads=3, max_len=16, truncate="head+tail")
    assert e.tokens == train.shorten(tokenize(TEXT + " zzz"), 16, "head+tail")
    assert e.total_tokens == len(tokenize(TEXT)) + 1 and e.tokens[-1] == "zzz" and e.known[-1] is False and all(e.known[:-1])


def test_a_notebook_can_pass_its_own_tokenizer(model, vocab):
    """tokenizer= replaces the package's tokenize (a notebook defines its own)."""
    e = explain.explain(model, vocab, "great cast, dull end", heads=3, max_len=32, tokenizer=str.split)
    assert e.tokens == ["great", "cast,", "dull", "end"] and e.known == [True, False, True, True]


def test_received_attention_sums_to_one_and_repeated_words_add_up(model, vocab):
    """Each word's share of the attention sums to 1 over the review; top_words adds up a word's occurrences, largest first."""
    e = explain.explain(model, vocab, TEXT, heads=3, max_len=32)
    assert_close(e.received().sum(), torch.tensor(1.0))
    shares = e.top_words(100)
    assert sum(share for _, share in shares) == pytest.approx(1.0)
    assert [share for _, share in shares] == sorted((share for _, share in shares), reverse=True)
    great = [i for i, token in enumerate(e.tokens) if token == "great"]
    assert dict(shares)["great"] == pytest.approx(e.received()[great].sum().item())
    assert len(e.top_words(3)) == 3


@pytest.mark.parametrize("call, message", [
    (lambda m, v: explain.explain(m, v, '" "', heads=3, max_len=16), "has no word"),
    (lambda m, v: explain.explain(m, v, TEXT, heads=5, max_len=16), "heads=5 must be a positive divisor of the model's width k=12"),
    (lambda m, v: explain.explain(m, v, TEXT, heads=3, max_len=16).top_words(0), "n must be a positive number of words, got 0"),
])
def test_bad_arguments_are_refused_by_name(model, vocab, call, message):
    """An empty review, a head count that does not divide k, or no words asked for: a ValueError saying which."""
    with pytest.raises(ValueError, match=message):
        call(model, vocab)


def test_the_wrong_number_of_heads_is_flagged(model, vocab):
    """Read out with 1 head from a 3-head model, the rows do not sum to 1: a warning asks about heads."""
    with pytest.warns(UserWarning, match="is heads=1 the number of heads the model was built with"):
        explain.explain(model, vocab, TEXT, heads=1, max_len=16)


def test_an_attention_that_bypasses_its_value_module_is_reported(vocab, monkeypatch):
    """Values computed with F.linear instead of calling to_values cannot be read out: the error says what explain needs."""
    model = TransformerClassifier(len(vocab), 8, 1, 1, max_len=16)
    attention = model.blocks[0].attention

    def forward(x, mask=None):  # one head, right, but its values skip the module (and its hooks)
        scores = attention.to_queries(x) @ attention.to_keys(x).transpose(-1, -2) / math.sqrt(x.shape[-1])
        return attention.unify_heads(scores.softmax(dim=-1) @ torch.nn.functional.linear(x, attention.to_values.weight))

    monkeypatch.setattr(attention, "forward", forward)
    with pytest.raises(RuntimeError, match=r"self.to_values\(\.\.\.\) and self.unify_heads\(\.\.\.\) once each.*called \['unify_heads'\]"):
        explain.explain(model, vocab, TEXT, heads=1, max_len=16)


def test_heatmap_is_a_png_whose_title_says_when_only_the_first_words_are_shown(model, vocab, tmp_path):
    """A long review is drawn for its first max_tokens words; the title, axes and colourbar say what is shown."""
    e = explain.explain(model, vocab, TEXT + " zzz", heads=3, max_len=32)
    path = tmp_path / "attention.png"
    ax = explain.plot_attention(e, path, max_tokens=10)
    assert path.read_bytes()[:4] == b"\x89PNG"
    title = ax.get_title()
    assert "block 2 of 2, mean of 3 heads" in title and f"first 10 of the {len(e.tokens)} words read" in title
    assert f"predicted {'positive' if e.label == 'pos' else 'negative'}, probability {e.probability:.3f}" in title
    assert "query" in ax.get_ylabel() and "key" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == e.tokens[:10]
    assert ax.figure.axes[-1].get_ylabel() == "attention weight"
    assert_close(torch.tensor(ax.images[0].get_array().data), e.weights[-1].mean(dim=0)[:10, :10])


def test_heatmap_draws_on_an_axes_of_the_callers_figure(model, vocab):
    """Given an Axes, plot_attention draws there (a notebook's figure) and saves nothing; unknown words carry a *."""
    e = explain.explain(model, vocab, "a great zzz film", heads=3, max_len=16)
    ax = Figure().add_subplot()
    assert explain.plot_attention(e, ax, block=0) is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "great", "zzz*", "film"]
    assert "block 1 of 2" in ax.get_title() and "first" not in ax.get_title() and "<unk>" in ax.get_title()


def test_predict_explain_prints_the_words_attended_to_and_writes_a_heatmap_per_review(sample_dir, tmp_path, capsys):
    """`predict --explain` prints each prediction with its most attended words and saves attention-N.png."""
    out = tmp_path / "run"
    assert train.main(["--data-dir", str(sample_dir), "--preset", "sample", "--epochs", "2", "--out", str(out)]) == 0
    capsys.readouterr()
    assert predict.main(["--model", str(out), "--explain", "--figures", str(tmp_path / "fig"), "A superb film.", "Dull, zzz."]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6
    assert lines[0].split()[0] in ("positive", "negative") and "attended to most: " in lines[1]
    assert "zzz*" in lines[4] and "not in the vocabulary" in lines[4]
    for number in (1, 2):
        assert (tmp_path / "fig" / f"attention-{number}.png").read_bytes()[:4] == b"\x89PNG"
        assert str(tmp_path / "fig" / f"attention-{number}.png") in "\n".join(lines)
