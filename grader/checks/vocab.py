"""Hidden checks of Exercise 1: tokenize, Vocab.__getitem__, build_vocab."""

import torch

from . import check, outcome
from .helpers import generator

TRICKY = [
    "Simply BRILLIANT",
    "I'm sure it's the director's best.",
    'The "hero" (if you can call him that) loses; badly: twice!',
    "Wait... what?! No, no, no.",
    "First line.<br /><br />Second line<br/>third<br>fourth <BR /> fifth",
    "tabs\tand\nnew lines   and  spaces",
    "",
    "!?.,()",
    "O'Neil's 'quoted' words",
    "10/10, would watch again :)",
    "e.g. this,that (really)great!but",  # the marks split words wherever they are, not only at a word's ends
]


def _corpus(seed: int, texts: int = 30) -> list[list[str]]:
    """Random token lists over a small word list, so that counts tie often."""
    words = ["film", "plot", "good", "bad", "a", "the", "acting", "zz", "Zz", ".", "!", "it", "was"]
    g = generator(seed)
    lengths = torch.randint(1, 13, (texts,), generator=g).tolist()
    return [[words[i] for i in torch.randint(0, len(words), (n,), generator=g).tolist()] for n in lengths]


@check("vocab", "tokenize on tricky reviews: lowercase, <br /> as a space, ' split off as its own token, \" ; : removed, . , ( ) ! ? as tokens")
def tokenize_tricky_text(impl):
    return [impl.vocab.tokenize(text) for text in TRICKY]


@check("vocab", "tokenize must not change anything else: letters, digits and other symbols stay in their words (a removed \" joins its neighbours: 6\"2 gives 62; ; and : become spaces)")
def tokenize_keeps_other_characters(impl):
    return [impl.vocab.tokenize(text) for text in ["well-made 90s sci-fi", "5/10 & 3*", "café naïve Straße", 'a 6"2 "giant"', "good;bad:ugly", "an <i>odd</i> <3 film", "this|that"]]


@check("vocab", "the order of build_vocab: <pad>, <unk>, then words by descending count, ties in string order")
def vocab_order(impl):
    return [impl.vocab.build_vocab(_corpus(seed)).itos for seed in range(3)]


@check("vocab", "build_vocab's max_size counts <pad> and <unk>; min_freq keeps words seen at least min_freq times, with a max_size too")
def vocab_max_size_and_min_freq(impl):
    corpus = _corpus(7, texts=60)
    counted = [["good"] * 3 + ["plot"] * 2 + ["film"] * 2 + ["dull"]]  # min_freq=2 keeps plot and film
    sizes = [(5, 1), (2, 1), (None, 8), (6, 10), (100, 1)]
    return [impl.vocab.build_vocab(corpus, max_size=m, min_freq=f).itos for m, f in sizes] + [
        impl.vocab.build_vocab(counted, min_freq=f).itos for f in (1, 2, 3, 4)
    ] + [impl.vocab.build_vocab(counted, max_size=m).itos for m in (4, 5)] + [  # 4 words: cut to 2 and 3
        impl.vocab.build_vocab(counted, max_size=5, min_freq=3).itos  # both: rare words must not fill the places left
    ]


@check("vocab", "vocab[token] is the token's id, and a word never seen maps to <unk> (id 1)")
def unknown_words_map_to_unk(impl):
    vocab = impl.vocab.build_vocab(_corpus(3))
    probe = ["film", "masterpiece", "the", "FILM", "", "<pad>", "<unk>"]
    return [vocab[token] for token in probe], vocab.encode(probe)


@check("vocab", "looking up an unknown word must not add it to the vocabulary (a defaultdict would)")
def lookup_does_not_grow_the_vocabulary(impl):
    vocab = impl.vocab.build_vocab(_corpus(4))
    before = (len(vocab), dict(vocab.stoi))
    [vocab[word] for word in ("unseen", "another")]
    return before == (len(vocab), dict(vocab.stoi)), len(vocab)


@check("vocab", "the errors the docstrings document: build_vocab rejects max_size < 2, min_freq < 1 (ValueError) and an untokenized string (TypeError); tokenize and vocab[...] reject a non-str (TypeError)")
def vocab_rejects_impossible_sizes(impl):
    corpus = [["a", "b"]]
    sizes = [outcome(lambda: impl.vocab.build_vocab(corpus, **{name: value}).itos, f"build_vocab(token_lists, {name}={value})")
             for name, value in (("max_size", 1), ("max_size", 0), ("min_freq", 0))]
    vocab = impl.vocab.build_vocab(corpus)
    types = [outcome(lambda: impl.vocab.build_vocab(["an untokenized review"]).itos, "build_vocab on a list of strings instead of token lists"),
             outcome(lambda: impl.vocab.build_vocab([["a", "b"], "good film"]).itos, "build_vocab with an untokenized string after a token list"),
             outcome(lambda: impl.vocab.tokenize(42), "tokenize(42)"), outcome(lambda: vocab[3], "vocab[3] (an int, not a token)")]
    return sizes + types


@check("vocab", "build_vocab counts every occurrence of a token, not the number of reviews it appears in, and reads token_lists once (a generator works, and tuples of tokens do)")
def counts_every_occurrence(impl):
    corpus = [["zebra", "zebra", "zebra", "zebra"], ["apple", "moon"], ["apple", "moon"], ["apple"]]
    return (impl.vocab.build_vocab(corpus).itos, impl.vocab.build_vocab(tokens for tokens in corpus).itos,
            impl.vocab.build_vocab([tuple(tokens) for tokens in corpus]).itos)


@check("vocab", "a review containing the literal text <pad> or <unk> gives neither a second id nor a place under max_size")
def specials_in_a_review_get_no_second_id(impl):
    tokens = [impl.vocab.tokenize("the <pad> was <unk> , <pad>"), ["<unk>", "<pad>", "film"]]
    vocab = impl.vocab.build_vocab([t for t in tokens if isinstance(t, list)])
    # The most frequent tokens are specials: they must not take places under max_size.
    capped = impl.vocab.build_vocab([["<pad>"] * 5 + ["<unk>"] * 4 + ["good", "good", "bad"]], max_size=4)
    return vocab.itos, [vocab[t] for t in ("<pad>", "<unk>")], capped.itos
