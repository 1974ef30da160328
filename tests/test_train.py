"""Training and prediction, end to end (solutions/train.py, solutions/predict.py)."""

import json
from dataclasses import fields

import datasets
import pytest
import torch
import torch.nn.functional as F

from solutions import predict, train
from solutions.classifier import TransformerClassifier
from solutions.padding import pad_sequences
from solutions.vocab import tokenize


def synthetic_reviews(n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Reviews of 6-12 random "neutral" ids (4..49) plus a few "good" (2) or "bad" (3) ids.

    The label is 1 when "good" outnumbers "bad": the model must find the two
    words that matter among the noise and count them.
    """
    seqs, labels = [], []
    for _ in range(n):
        length = int(torch.randint(6, 13, (1,), generator=gen))
        seq = torch.randint(4, 50, (length,), generator=gen)
        good, bad = torch.randint(0, 4, (2,), generator=gen).tolist()
        if good == bad:
            good += 1
        slots = torch.randperm(length, generator=gen)[: good + bad]
        seq[slots[:good]], seq[slots[good:]] = 2, 3
        seqs.append(seq)
        labels.append(int(good > bad))
    return pad_sequences(seqs), torch.tensor(labels)


def test_tiny_model_learns_a_synthetic_task_to_high_accuracy(gen):
    """A 2-block model learns "more good than bad" to over 95% held-out accuracy in seconds."""
    torch.manual_seed(0)
    x_train, y_train = synthetic_reviews(1000, gen)
    x_test, y_test = synthetic_reviews(500, gen)
    model = TransformerClassifier(vocab_size=50, k=16, heads=2, depth=2, max_len=12)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for epoch in range(4):
        for i in torch.randperm(len(x_train), generator=gen).split(50):
            loss = F.cross_entropy(model(x_train[i]), y_train[i])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(-1) == y_test).float().mean().item()
    assert accuracy > 0.95, f"held-out accuracy {accuracy:.3f}"


def test_bucket_batches_cover_every_review_once_with_similar_lengths(gen):
    """Every index appears exactly once; batches are length-sorted runs; the same seed gives the same batches."""
    lengths = torch.randint(1, 500, (1000,), generator=gen).tolist()
    batches = train.bucket_batches(lengths, 32, torch.Generator().manual_seed(5))
    assert sorted(i for b in batches for i in b) == list(range(1000))
    assert all(len(b) <= 32 for b in batches)
    assert all([lengths[i] for i in b] == sorted(lengths[i] for i in b) for b in batches)
    assert batches == train.bucket_batches(lengths, 32, torch.Generator().manual_seed(5))
    assert batches != train.bucket_batches(lengths, 32, torch.Generator().manual_seed(6))
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) / len(batches)
    assert spread < 50, "batches should mix reviews of similar length only"


def test_encode_keeps_the_head_or_the_tail():
    """truncate="tail" keeps the last max_len ids, "head" the first."""
    vocab = train.Vocab(["<pad>", "<unk>", "a", "b", "c"])
    tokens = [["a", "b", "c", "zzz"]]
    assert train.encode(tokens, vocab, 2, "tail") == [[4, 1]]
    assert train.encode(tokens, vocab, 2, "head") == [[2, 3]]


def test_tokenize_all_in_parallel_matches_serial():
    """Worker processes give the same tokens in the same order."""
    texts = [f"Review {i}: it's {'great' if i % 2 else 'bad'}!" for i in range(2500)]
    assert train.tokenize_all(texts, workers=2) == train.tokenize_all(texts, workers=1)


def test_every_config_field_is_a_flag_and_presets_yield_to_flags():
    """Each hyperparameter has a --flag; a preset sets defaults that explicit flags override."""
    cfg = train.parse_args(["--preset", "sample", "--epochs", "2", "--truncate", "head", "--data-dir", "d"])
    assert (cfg.epochs, cfg.truncate, cfg.data_dir, cfg.k) == (2, "head", "d", train.PRESETS["sample"]["k"])
    for f in fields(train.Config):
        default = train.parse_args([])
        assert getattr(default, f.name) == f.default
        flag = "--" + f.name.replace("_", "-")
        value = {"int": "4", "float": "0.25"}.get(str(f.type), (f.metadata.get("choices") or ["x"])[-1])
        assert str(getattr(train.parse_args([flag, value]), f.name)) == value


def test_bad_flag_values_are_refused_by_name(capsys):
    """An unknown choice is refused with the flag and the allowed values."""
    with pytest.raises(SystemExit):
        train.parse_args(["--pool", "sum"])
    assert "--pool" in capsys.readouterr().err


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--k", "0"], "--k must be positive, got 0"),
        (["--vocab-size", "1"], "--vocab-size must be at least 2"),
        (["--val-fraction", "1"], "--val-fraction must be in (0, 1), got 1.0"),
        (["--dropout", "-0.1"], "--dropout must be in [0, 1), got -0.1"),
        (["--embedding-eps", "0"], "--embedding-eps must be positive, got 0.0"),
        (["--k", "63", "--heads", "2"], "--k (63) must be divisible by --heads (2)"),
    ],
)
def test_unusable_hyperparameters_are_refused_by_flag_and_value(flags, message, capsys):
    """A value no run can use stops the command with the flag, the value and what it accepts."""
    with pytest.raises(SystemExit) as stop:
        train.parse_args(flags)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_train_and_predict_end_to_end_on_the_sample(sample_dir, tmp_path, capsys):
    """`python -m solutions.train` writes its four files and summary; predict reads them back."""
    out = tmp_path / "run"
    assert train.main(["--data-dir", str(sample_dir), "--preset", "sample", "--epochs", "4", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["curves.png", "metrics.json", "model.pt", "vocab.txt"]
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("test_accuracy", "val_accuracy", "train_seconds", "total_seconds", "config", "peak_memory_mb"):
        assert key in metrics
    assert metrics["config"]["epochs"] == 4 and len(metrics["history"]) == 4
    assert (metrics["train_reviews"], metrics["val_reviews"], metrics["test_reviews"]) == (70, 18, 24)
    assert 0 <= metrics["test_accuracy"] <= 1
    assert (out / "curves.png").read_bytes()[:4] == b"\x89PNG"
    summary = capsys.readouterr().out
    assert "test         accuracy" in summary and str(out) in summary

    assert predict.main(["--model", str(out), "A superb, moving film.", "Dull and awful."]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    for line in lines:
        label, probability, _ = line.split(maxsplit=2)
        assert label in ("positive", "negative") and 0.5 <= float(probability) <= 1


def test_vocabulary_is_built_from_training_reviews_only(sample_dir, tmp_path):
    """vocab.txt holds words of train.csv only; "see", only in test.csv, is not in it."""
    out = tmp_path / "run"
    train.main(["--data-dir", str(sample_dir), "--preset", "sample", "--epochs", "1", "--out", str(out)])
    words = (out / "vocab.txt").read_text().split()
    train_words = {w for text in datasets.Dataset.from_csv(str(sample_dir / "train.csv"))["text"] for w in tokenize(text)}
    assert words[:2] == ["<pad>", "<unk>"] and set(words[2:]) <= train_words
    assert "see" not in words


def test_train_without_data_prints_how_to_get_it(tmp_path, capsys):
    """A missing data folder exits with status 2 and the how-to message, no traceback."""
    assert train.main(["--data-dir", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2
    assert "Could not load the IMDB reviews" in capsys.readouterr().err


def test_predict_without_a_model_says_what_it_needs(tmp_path, capsys):
    """--model pointing at an empty folder exits with status 2, naming model.pt."""
    assert predict.main(["--model", str(tmp_path), "some review"]) == 2
    assert "model.pt not found" in capsys.readouterr().err


def test_predict_refuses_an_empty_review_by_position(tmp_path, capsys):
    """An empty review is refused, saying which one, before any model is loaded."""
    with pytest.raises(SystemExit):
        predict.main(["--model", str(tmp_path), "Fine.", "  "])
    assert "review 2 is empty" in capsys.readouterr().err


def test_exercises_train_is_the_same_pipeline_on_the_learners_classes(sample_dir, tmp_path, capsys):
    """exercises/train.py is this module copied: it builds the exercises' classifier, and says to finish the stubs first."""
    import exercises.classifier
    import exercises.train

    assert exercises.train.TransformerClassifier is exercises.classifier.TransformerClassifier
    assert exercises.train.pad_sequences.__module__ == "exercises.padding" and exercises.train.tokenize.__module__ == "exercises.vocab"
    status = exercises.train.main(["--data-dir", str(sample_dir), "--preset", "sample", "--out", str(tmp_path / "a")])
    assert status == 2 and "Finish the exercises first" in capsys.readouterr().err


def test_build_model_initialises_words_and_positions_as_configured():
    """embedding_std scales the initial word vectors (0 gives zeros); position_init "sinusoidal" copies the bonus table."""
    from solutions.positional import sinusoidal_encoding

    zeros = train.build_model(train.Config(embedding_std=0.0, max_len=16, k=8, heads=2), vocab_size=50)
    assert zeros.token_embedding.weight.abs().sum() == 0
    spread = train.build_model(train.Config(embedding_std=0.5, max_len=16, k=8, heads=2), vocab_size=5000)
    assert 0.45 < spread.token_embedding.weight[1:].std().item() < 0.55 and spread.token_embedding.weight[0].abs().sum() == 0
    sines = train.build_model(train.Config(position_init="sinusoidal", max_len=16, k=8, heads=2), vocab_size=50)
    torch.testing.assert_close(sines.position.embedding.weight.detach(), sinusoidal_encoding(16, 8))


def test_optimizer_gives_the_word_vectors_their_own_epsilon_and_decays_only_matrices():
    """Every parameter is optimised once; the word vectors use --embedding-eps, biases and gains get no weight decay."""
    cfg = train.Config(embedding_eps=1e-4, weight_decay=0.1, max_len=16, k=8, heads=2)
    model = train.build_model(cfg, vocab_size=50)
    groups = train._optimizer(model, cfg).param_groups
    grouped = [p for group in groups for p in group["params"]]
    assert sorted(map(id, grouped)) == sorted(id(p) for p in model.parameters())
    words = next(g for g in groups if any(p is model.token_embedding.weight for p in g["params"]))
    assert words["params"] == [model.token_embedding.weight] and words["eps"] == 1e-4 and words["weight_decay"] == 0.1
    for group in groups:
        if group is not words:
            assert group["eps"] == 1e-8
            assert all((p.dim() >= 2) == (group["weight_decay"] == 0.1) for p in group["params"])


def test_sample_preset_learns_the_sample(sample_dir, tmp_path, capsys):
    """--preset sample really learns data/sample: well above chance on its 24 test reviews (the defaults score 50%)."""
    assert train.main(["--data-dir", str(sample_dir), "--preset", "sample", "--out", str(tmp_path / "run")]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.9 and metrics["val_accuracy"] >= 0.9, metrics["history"]
