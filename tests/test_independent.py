"""The reference agrees with an implementation written independently from the spec.

``tests/independent/exercises`` was written from the docstrings alone, in a
different style (see its README). On every probe below, seeded random and
edge cases, both give the same result; for modules, the reference's
``state_dict`` is loaded into the independent module first.
"""

import csv

import pytest
import torch
from torch.testing import assert_close

import solutions.attention
import solutions.classifier
import solutions.embedding
import solutions.padding
import solutions.positional
import solutions.vocab
from tests.independent.exercises import attention, classifier, embedding, padding, positional, vocab


def sample_texts(sample_dir) -> list[str]:
    return [row["text"] for split in ("train", "test") for row in csv.DictReader(open(sample_dir / f"{split}.csv"))]


EDGE_TEXTS = ["", "!!!", "Don't.<br/>Won't;no:way", '"Quoted" (and) <BR />', "tabs\tand\nnewlines", "l'été, déjà?"]


def test_tokenize_and_vocabulary_agree(sample_dir):
    """Same tokens for every sample review and edge case; same vocabularies for several sizes."""
    texts = sample_texts(sample_dir) + EDGE_TEXTS
    for text in texts:
        assert vocab.tokenize(text) == solutions.vocab.tokenize(text), text
    tokens = [solutions.vocab.tokenize(t) for t in texts]
    for max_size, min_freq in [(None, 1), (50, 1), (None, 3), (2, 1), (10, 2)]:
        ours = solutions.vocab.build_vocab(tokens, max_size, min_freq)
        theirs = vocab.build_vocab(tokens, max_size, min_freq)
        assert ours.itos == theirs.itos and ours.stoi == theirs.stoi
        probe = ["film", "zzz", "<pad>", "<unk>", "."]
        assert [ours[t] for t in probe] == [theirs[t] for t in probe]


def test_padding_agrees(gen):
    """Same padded batches and masks for random lengths, max_len and pad ids."""
    for trial in range(20):
        seqs = [torch.randint(0, 9, (int(n),), generator=gen).tolist() for n in torch.randint(0, 7, (4,), generator=gen)]
        max_len = [None, 1, 3, 8][trial % 4]
        pad_id = [0, -1, 5][trial % 3]
        ours = solutions.padding.pad_sequences(seqs, max_len, pad_id)
        assert_close(padding.pad_sequences(seqs, max_len, pad_id), ours)
        assert_close(padding.padding_mask(ours, pad_id), solutions.padding.padding_mask(ours, pad_id))


def test_embedding_lookup_agrees(gen):
    """Same vectors for ids of several shapes, in float32 and float64."""
    for shape, dtype in [((7,), torch.float32), ((2, 5), torch.float64), ((2, 3, 4), torch.float32)]:
        weight = torch.randn(11, 3, generator=gen, dtype=dtype)
        ids = torch.randint(0, 11, shape, generator=gen)
        assert_close(embedding.embedding_lookup(ids, weight), solutions.embedding.embedding_lookup(ids, weight))


def random_mask(shape, gen) -> torch.Tensor:
    mask = torch.rand(shape, generator=gen) > 0.3
    mask.view(-1, shape[-1])[0] = False  # one sequence that is all padding
    return mask


@pytest.mark.parametrize("shape", [(1, 5, 7), (3, 1, 4), (2, 6, 3), (2, 2, 5, 4)])
def test_attention_functions_agree(shape, gen):
    """Same weights and outputs with and without masks, for large inputs too."""
    X = torch.randn(shape, generator=gen)
    mask = random_mask(shape[:-1], gen)
    for scale in (1.0, 300.0):
        for m in (None, mask):
            assert_close(attention.attention_weights(scale * X, m), solutions.attention.attention_weights(scale * X, m))
            assert_close(attention.self_attention(scale * X, m), solutions.attention.self_attention(scale * X, m))


def load_into(theirs: torch.nn.Module, ours: torch.nn.Module) -> torch.nn.Module:
    theirs.load_state_dict(ours.state_dict())
    return theirs.eval()


@pytest.mark.parametrize(("k", "heads"), [(4, 1), (8, 2), (12, 4), (6, 6)])
def test_self_attention_modules_agree(k, heads, gen):
    """The independent module with the reference's weights gives the reference's output."""
    ours = solutions.attention.SelfAttention(k, heads).eval()
    theirs = load_into(attention.SelfAttention(k, heads), ours)
    x = torch.randn(3, 5, k, generator=gen)
    mask = random_mask((3, 5), gen)
    for m in (None, mask):
        assert_close(theirs(x, m), ours(x, m))


def test_positional_modules_and_tables_agree(gen):
    """PositionalEmbedding with the same table, and the sinusoidal tables, coincide."""
    ours = solutions.positional.PositionalEmbedding(9, 4)
    theirs = load_into(positional.PositionalEmbedding(9, 4), ours)
    for T in (1, 5, 9):
        x = torch.randn(2, T, 4, generator=gen)
        assert_close(theirs(x), ours(x))
    for max_len, k in [(1, 1), (6, 4), (50, 7), (512, 64)]:
        assert_close(positional.sinusoidal_encoding(max_len, k), solutions.positional.sinusoidal_encoding(max_len, k), atol=1e-4, rtol=1e-4)  # float32 angles near p=511 are off by ~2e-5


@pytest.mark.parametrize("pool", ["mean", "max"])
@pytest.mark.parametrize("pad_id", [0, 2])
def test_classifiers_agree(pool, pad_id, gen):
    """Same logits for padded batches, including an all-padding review, for both pools."""
    settings = dict(vocab_size=25, k=8, heads=2, depth=2, max_len=7, num_classes=3, pool=pool, pad_id=pad_id)
    ours = solutions.classifier.TransformerClassifier(**settings).eval()
    theirs = load_into(classifier.TransformerClassifier(**settings), ours)
    ids = torch.randint(0, 25, (4, 7), generator=gen)
    ids[0] = pad_id
    ids[1, 3:] = pad_id
    assert_close(theirs(ids), ours(ids))
    block = solutions.classifier.TransformerBlock(8, 2, ff_mult=2).eval()
    x = torch.randn(2, 4, 8, generator=gen)
    assert_close(load_into(classifier.TransformerBlock(8, 2, ff_mult=2), block)(x), block(x))
