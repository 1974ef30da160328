"""Exercise 1: tokens and vocabulary (exercises/vocab.py)."""

import pytest

from .checks import expect_equal, must_raise

pytestmark = pytest.mark.vocab


def test_tokenize_lowercases_and_splits_on_whitespace(vocab):
    """Tokens are the lowercase words between whitespace."""
    expect_equal(vocab.tokenize("A  Great\tMovie\n"), ["a", "great", "movie"], "lowercase the text, then split on any whitespace")


def test_tokenize_splits_off_punctuation(vocab):
    """. , ( ) ! ? each become a token of their own."""
    expect_equal(
        vocab.tokenize("Wow, great (really)! Why? Fine."),
        ["wow", ",", "great", "(", "really", ")", "!", "why", "?", "fine", "."],
        "each of . , ( ) ! ? should become its own token, even when it touches a word",
    )


def test_tokenize_splits_apostrophes(vocab):
    """An apostrophe is a token of its own: I'm gives i, ', m."""
    expect_equal(vocab.tokenize("I'm here."), ["i", "'", "m", "here", "."], "an apostrophe becomes its own token")


def test_tokenize_drops_quotes_colons_and_semicolons(vocab):
    """Double quotes, colons and semicolons are removed."""
    expect_equal(vocab.tokenize('He said: "fine; ok"'), ["he", "said", "fine", "ok"], 'remove " ; and :')


def test_tokenize_turns_html_line_breaks_into_spaces(vocab):
    """<br />, <br/> and <br> separate words and leave no token."""
    expect_equal(
        vocab.tokenize("Good<br /><br />bad<br/>ok<BR>end"),
        ["good", "bad", "ok", "end"],
        "replace the HTML line breaks <br />, <br/> and <br> by a space (after lowercasing)",
    )


def test_vocab_starts_with_pad_and_unk(vocab):
    """Ids 0 and 1 are the specials <pad> and <unk>."""
    v = vocab.build_vocab([["good", "film"]])
    expect_equal(v.itos[:2], ["<pad>", "<unk>"], "itos must start with <pad> (id 0), then <unk> (id 1)")


def test_vocab_orders_words_by_count_then_alphabetically(vocab):
    """Most frequent word first; equal counts in string order."""
    v = vocab.build_vocab([["bad", "film", "bad"], ["dull", "film", "bad", "a"]])
    expect_equal(
        v.itos, ["<pad>", "<unk>", "bad", "film", "a", "dull"],
        "after the two specials: descending count (bad 3, film 2), ties in string order (a, dull)",
    )


def test_vocab_maps_words_to_their_ids(vocab):
    """vocab[word] is the word's position in itos, and stoi agrees."""
    v = vocab.build_vocab([["bad", "film", "bad"]])
    expect_equal([v["bad"], v["film"]], [2, 3], "vocab[token] should be the index of token in itos")
    expect_equal(v.stoi, {"<pad>": 0, "<unk>": 1, "bad": 2, "film": 3}, "stoi should invert itos")


def test_unknown_words_map_to_unk(vocab):
    """A word the vocabulary never saw gets the id of <unk>."""
    v = vocab.build_vocab([["bad", "film"]])
    expect_equal(v["masterpiece"], 1, "an unknown word must map to <unk> (id 1), not raise a KeyError")
    expect_equal(v.encode(["bad", "masterpiece"]), [2, 1], "encode maps unknown words to <unk> too")


def test_max_size_counts_the_two_specials(vocab):
    """max_size caps len(vocab), <pad> and <unk> included."""
    v = vocab.build_vocab([["bad", "film", "bad"], ["dull", "film", "bad", "a"]], max_size=4)
    expect_equal(v.itos, ["<pad>", "<unk>", "bad", "film"], "max_size=4 leaves room for the 2 most frequent words")


def test_min_freq_drops_rare_words(vocab):
    """Words seen fewer than min_freq times are left out."""
    v = vocab.build_vocab([["bad", "film", "bad"], ["dull", "film", "bad", "a"]], min_freq=2)
    expect_equal(v.itos, ["<pad>", "<unk>", "bad", "film"], "min_freq=2 keeps the words seen at least twice")


def test_build_vocab_rejects_impossible_sizes(vocab):
    """max_size below 2 or min_freq below 1 is a ValueError."""
    with must_raise(ValueError, "build_vocab(..., max_size=1)"):
        vocab.build_vocab([["a"]], max_size=1)
    with must_raise(ValueError, "build_vocab(..., min_freq=0)"):
        vocab.build_vocab([["a"]], min_freq=0)


def test_build_vocab_counts_every_occurrence(vocab):
    """A token's count is how often it occurs, not in how many reviews: 4 x zebra beats 3 reviews with apple."""
    corpus = [["zebra", "zebra", "zebra", "zebra"], ["apple"], ["apple"], ["apple"]]
    expect_equal(vocab.build_vocab(corpus).itos, ["<pad>", "<unk>", "zebra", "apple"], "count every occurrence of a token (Counter.update on each list)")


def test_the_text_of_a_special_token_gets_no_second_id(vocab):
    """A review that contains the literal "<pad>" or "<unk>" does not give them a second entry."""
    built = vocab.build_vocab([["<pad>", "film", "<unk>", "<pad>"]])
    expect_equal(built.itos, ["<pad>", "<unk>", "film"], "leave <pad> and <unk> out of the counted tokens: they already have ids 0 and 1")
