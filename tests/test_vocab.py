"""Tokenizer and vocabulary of the reference (solutions/vocab.py)."""

import pytest

from solutions.vocab import PAD, PAD_ID, UNK, UNK_ID, Vocab, build_vocab, tokenize


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("I'm here.", ["i", "'", "m", "here", "."]),
        ("It's GREAT!!", ["it", "'", "s", "great", "!", "!"]),
        ('A "so-called" classic', ["a", "so-called", "classic"]),
        ("Plot: thin; acting: fine", ["plot", "thin", "acting", "fine"]),
        ("one.two,three(four)five!six?seven", ["one", ".", "two", ",", "three", "(", "four", ")", "five", "!", "six", "?", "seven"]),
        ("Line one.<br /><br />Line two<br/>and<BR>three", ["line", "one", ".", "line", "two", "and", "three"]),
        ("", []),
        ("   \n\t ", []),
    ],
)
def test_tokenize_follows_the_basic_english_rules(text, tokens):
    """Each rule of the docstring, on a case worked out by hand."""
    assert tokenize(text) == tokens


def test_tokenize_rejects_non_strings():
    """A list or bytes is a TypeError naming the type."""
    for bad in (["a", "b"], b"bytes", None):
        with pytest.raises(TypeError, match=type(bad).__name__):
            tokenize(bad)


def test_specials_have_the_documented_ids():
    """<pad> is 0 and <unk> is 1."""
    assert (PAD, UNK, PAD_ID, UNK_ID) == ("<pad>", "<unk>", 0, 1)


def test_build_vocab_counts_across_texts_and_breaks_ties_by_string():
    """Counts add up over texts; ties are in string order, not first-seen order."""
    vocab = build_vocab([["z", "y", "x"], ["y", "b"], ["a"]])
    assert vocab.itos == [PAD, UNK, "y", "a", "b", "x", "z"]


def test_build_vocab_does_not_depend_on_text_order():
    """Shuffling the corpus gives the same ids."""
    texts = [["good", "film"], ["bad", "film"], ["good", "plot", "bad"]]
    assert build_vocab(texts).itos == build_vocab(texts[::-1]).itos


def test_build_vocab_accepts_generators():
    """token_lists may be any iterable of iterables, read once."""
    vocab = build_vocab(tokenize(t) for t in ["A good film.", "A bad film."])
    assert vocab.itos == [PAD, UNK, ".", "a", "film", "bad", "good"]  # "." sorts before letters


def test_literal_special_strings_do_not_get_a_second_id():
    """A text containing "<pad>" leaves id 0 as the only <pad>."""
    vocab = build_vocab([["<pad>", "<unk>", "word"]])
    assert vocab.itos == [PAD, UNK, "word"]


def test_max_size_and_min_freq_combine():
    """min_freq filters first, max_size then caps the rest."""
    texts = [["a"] * 5 + ["b"] * 3 + ["c"] * 3 + ["d"]]
    assert build_vocab(texts, max_size=4, min_freq=2).itos == [PAD, UNK, "a", "b"]
    assert build_vocab(texts, max_size=2).itos == [PAD, UNK]
    assert build_vocab(texts, min_freq=4).itos == [PAD, UNK, "a"]


@pytest.mark.parametrize(("kwargs", "error", "names"), [
    ({"max_size": 1}, ValueError, "max_size"),
    ({"max_size": 0}, ValueError, "max_size"),
    ({"min_freq": 0}, ValueError, "min_freq"),
    ({"min_freq": 1.5}, TypeError, "min_freq"),
    ({"max_size": "10"}, TypeError, "max_size"),
])
def test_build_vocab_rejects_bad_sizes_naming_them(kwargs, error, names):
    """Impossible sizes are errors that name the argument and its value."""
    with pytest.raises(error, match=names):
        build_vocab([["a"]], **kwargs)


def test_build_vocab_explains_an_untokenized_corpus():
    """A list of strings (texts, not token lists) is a TypeError that says to tokenize."""
    with pytest.raises(TypeError, match="tokenize"):
        build_vocab(["a whole review", "another one"])


def test_vocab_is_a_two_way_map():
    """encode and decode invert each other on known tokens; stoi inverts itos."""
    vocab = Vocab([PAD, UNK, "good", "film"])
    assert len(vocab) == 4 and "good" in vocab and "bad" not in vocab
    assert vocab.encode(["good", "bad", "film"]) == [2, UNK_ID, 3]
    assert vocab.decode([2, 3, 0]) == ["good", "film", PAD]
    assert vocab.get_itos() is vocab.itos and vocab.get_stoi() == {PAD: 0, UNK: 1, "good": 2, "film": 3}


def test_vocab_rejects_bad_lookups():
    """A non-string token, a bare string to encode and an unknown id are clear errors."""
    vocab = Vocab([PAD, UNK, "good"])
    with pytest.raises(TypeError, match="int"):
        vocab[3]
    with pytest.raises(TypeError, match="tokenize"):
        vocab.encode("good film")
    with pytest.raises(IndexError, match="id 7 .* size 3"):
        vocab.decode([7])


def test_vocab_requires_specials_first_and_unique_tokens():
    """itos must start with <pad>, <unk> and list each token once."""
    with pytest.raises(ValueError, match="start with"):
        Vocab(["good", PAD, UNK])
    with pytest.raises(ValueError, match="good"):
        Vocab([PAD, UNK, "good", "good"])
