"""The visible probes: what ``pytest exercises`` runs to name the likely cause of a failure.

Each exercise has a handful of probes on public inputs, covering the
properties its tests check: a worked example, random inputs, masks, a
sequence of padding only, large values, float64, gradients and the
documented errors. ``python -m grader build`` runs them on the reference and
on every catalogued bug and ships the results in ``causes.pt.gz``; the tutor
(``exercises/causes.py``) runs them on your code and compares.

Probes of a module with learned weights load the same seeded weights into
every implementation (``inputs.weights``), so the order in which layers are
created never matters. Probes of Exercises 6 and 7 call your own code of the
exercises they use: a cause is only looked for once those pass.
"""

from __future__ import annotations

import torch

from .inputs import (
    attention_layout, block_layout, classifier_layout, course_example, grads, ids, noise, padded_ids, real_tokens,
    shapes, weights, with_weights,
)
from .probing import Package, Probe, outcome, probe


def all_probes() -> list[Probe]:
    """Every probe of this module, in the order they are written (course order)."""
    return [value for value in globals().values() if isinstance(value, Probe)]


def probes_of(exercise: str) -> list[Probe]:
    """The probes of one exercise (its key in ``exercises/catalogue.py``)."""
    return [p for p in all_probes() if p.exercise == exercise]


# --- Exercise 1: tokens and vocabulary ----------------------------------------------------

REVIEWS = [
    "What a MOVIE",
    "Don't miss it; it's great: really.",
    'She said "wow" (twice) and left!',
    "Line one<br />line two<br/>three<br>four<BR/>five",
    "  spaced\tout\n\nwords  ",
    "",
    "?!(),.",
    "Rock'n'roll isn't dead, they'd say",
    "9/10 -- see it :-)",
]


def random_corpus(seed: int, texts: int = 24) -> list[list[str]]:
    """Token lists over a few words, some differing only in case, so that counts often tie."""
    words = ["movie", "story", "fun", "dull", "an", "of", "cast", "qq", "Qq", ",", "?", "is"]
    lengths = ids(1, 11, (texts,), seed).tolist()
    picks = ids(0, len(words), (sum(lengths),), seed + 1).tolist()
    starts = [sum(lengths[:i]) for i in range(texts)]
    return [[words[j] for j in picks[start:start + n]] for start, n in zip(starts, lengths)]


@probe("vocab")
def tokenize_reviews(code: Package):
    return [code.vocab.tokenize(review) for review in REVIEWS]


@probe("vocab")
def tokenize_leaves_other_symbols(code: Package):
    return [code.vocab.tokenize(text) for text in ("x-ray 80s & co", "über-cool 7* #1", "a+b=c", 'tall 5"9 "hero"', "fun;sad:odd")]


@probe("vocab")
def vocabulary_order(code: Package):
    return [code.vocab.build_vocab(random_corpus(seed)).itos for seed in (101, 103, 107)]


@probe("vocab")
def vocabulary_size_limits(code: Package):
    corpus = random_corpus(109, texts=50)
    repeated = [["fun"] * 4 + ["cast"] * 3 + ["story"] * 3 + ["an"] * 2 + ["odd"]]
    limits = [(4, 1), (2, 1), (None, 6), (7, 9), (50, 1), (3, 3)]
    sized = [code.vocab.build_vocab(corpus, max_size=size, min_freq=freq).itos for size, freq in limits]
    return sized + [code.vocab.build_vocab(repeated, min_freq=freq).itos for freq in (1, 2, 3, 4, 5)]


@probe("vocab")
def lookup_of_known_and_unknown_words(code: Package):
    vocab = code.vocab.build_vocab(random_corpus(113))
    words = ["story", "cinema", "an", "STORY", "", "<unk>", "<pad>", "qq"]
    return [vocab[word] for word in words], vocab.encode(words)


@probe("vocab")
def lookup_leaves_the_vocabulary_as_it_was(code: Package):
    vocab = code.vocab.build_vocab(random_corpus(127))
    size, table = len(vocab), dict(vocab.stoi)
    for word in ("never", "seen", "never"):
        vocab[word]
    return len(vocab) == size, dict(vocab.stoi) == table, len(vocab)


@probe("vocab")
def vocabulary_counts_every_occurrence(code: Package):
    corpus = [["owl"] * 5, ["bee", "cat"], ["bee", "cat"], ["bee"], ["cat"]]
    return code.vocab.build_vocab(corpus).itos, code.vocab.build_vocab(iter(corpus)).itos  # a generator is read once


@probe("vocab")
def specials_inside_reviews(code: Package):
    tokens = code.vocab.tokenize("a <unk> and a <pad> , <unk>")
    vocab = code.vocab.build_vocab([tokens, ["<pad>", "plot", "<unk>"]])
    return vocab.itos, vocab["<pad>"], vocab["<unk>"]


@probe("vocab")
def pad_text_inside_reviews(code: Package):
    return code.vocab.build_vocab([["<pad>", "plot", "<pad>"], ["plot"]]).itos


@probe("vocab")
def vocabulary_errors(code: Package):
    vocab = code.vocab.build_vocab([["x", "y"]])
    return [
        outcome(lambda: code.vocab.build_vocab([["x"]], max_size=1).itos),
        outcome(lambda: code.vocab.build_vocab([["x"]], max_size=-3).itos),
        outcome(lambda: code.vocab.build_vocab([["x"]], min_freq=0).itos),
        outcome(lambda: code.vocab.build_vocab([["x"], "not tokenized"]).itos),
        outcome(lambda: code.vocab.tokenize(b"bytes")),
        outcome(lambda: code.vocab.tokenize(12)),
        outcome(lambda: vocab[7]),
    ]


# --- Exercise 2: padding and mask ---------------------------------------------------------


def random_sequences(seed: int, count: int = 5, longest: int = 10) -> list[list[int]]:
    """``count`` lists of ids in [1, 40), of random lengths from 0 to ``longest - 1``."""
    lengths = ids(0, longest, (count,), seed).tolist()
    return [ids(1, 40, (n,), seed + 1 + i).tolist() for i, n in enumerate(lengths)]


@probe("padding")
def padded_to_the_longest(code: Package):
    return [code.padding.pad_sequences(random_sequences(seed)) for seed in (201, 211)]


@probe("padding")
def padded_to_max_len(code: Package):
    seqs = random_sequences(223, count=6, longest=11)
    return [code.padding.pad_sequences(seqs, max_len=n) for n in (2, 5, 10, 15)]


@probe("padding")
def padded_with_pad_id(code: Package):
    seqs = random_sequences(227)
    return code.padding.pad_sequences(seqs, pad_id=9), code.padding.pad_sequences(seqs, max_len=4, pad_id=-5)


@probe("padding")
def padded_tensors_tuples_and_edge_cases(code: Package):
    pad = code.padding.pad_sequences
    seqs = [torch.tensor([11, 12, 13, 14]), (15,), torch.tensor([16, 17])]
    before = [torch.as_tensor(s).clone() for s in seqs]
    lists = [[4, 5], [], [6, 7, 8]]
    mixed = pad(seqs, max_len=3)
    edges = pad([[8, 9]]), pad([[3], [4], [5]]), pad([[], [2, 2, 2]], pad_id=1), pad([[6, 7, 8]], max_len=1)
    kept = pad(lists, max_len=2, pad_id=3), lists == [[4, 5], [], [6, 7, 8]]
    return mixed, all(torch.equal(torch.as_tensor(s), b) for s, b in zip(seqs, before)), edges, kept


@probe("padding")
def mask_of_padded_batches(code: Package):
    batch = padded_ids([6, 2, 4, 1], 6, 0, 1, 25, seed=229)
    other = ids(0, 4, (2, 5), seed=233)
    inside = torch.tensor([[4, 0, 6, 0], [0, 0, 3, 5]])  # padding between and before real tokens
    return (code.padding.padding_mask(batch), code.padding.padding_mask(other, pad_id=2), code.padding.padding_mask(batch[:1, :1]),
            code.padding.padding_mask(inside))


@probe("padding")
def padding_errors(code: Package):
    pad, mask = code.padding.pad_sequences, code.padding.padding_mask
    return [outcome(lambda: pad([[3, 4]], max_len=0)), outcome(lambda: pad([[3, 4]], max_len=-1)),
            outcome(lambda: pad([[1], torch.ones(2, 2, dtype=torch.long)])), outcome(lambda: pad([[2, 0.5]])),
            outcome(lambda: mask(torch.tensor([[0.0, 2.0, 1.0]])))]


# --- Exercise 3: embedding lookup ---------------------------------------------------------


@probe("embedding")
def rows_of_random_ids(code: Package):
    return code.embedding.embedding_lookup(ids(0, 9, (3, 4), seed=301), noise(9, 5, seed=302))


@probe("embedding")
def ids_of_any_shape(code: Package):
    table = noise(5, 2, seed=303)
    shaped = (torch.tensor(3), ids(0, 5, (6,), 304), ids(0, 5, (2, 2, 3), 305), ids(0, 5, (1, 4), 314))
    return [code.embedding.embedding_lookup(i, table) for i in shaped] + [code.embedding.embedding_lookup(torch.tensor([[1]]), noise(5, 1, seed=315))]


@probe("embedding")
def dtype_of_the_table(code: Package):
    table = noise(4, 3, seed=307, dtype=torch.float64)
    small = torch.tensor([2, 0, 3, 3], dtype=torch.uint8)  # as many as the rows: indexing with them as they are would mask
    return code.embedding.embedding_lookup(ids(0, 4, (2, 3), 306).to(torch.int32), table), outcome(lambda: code.embedding.embedding_lookup(small, table))


@probe("embedding")
def gradient_of_the_table(code: Package):
    table = noise(5, 4, seed=308).requires_grad_(True)
    out = code.embedding.embedding_lookup(torch.tensor([[2, 0, 2, 4], [2, 3, 0, 0]]), table)
    (out * noise(2, 4, 4, seed=309)).sum().backward()
    return table.grad


@probe("embedding")
def ids_outside_the_table(code: Package):
    table = noise(8, 3, seed=310)
    found = []
    for bad in (8, -3, 13):
        result = outcome(lambda: code.embedding.embedding_lookup(torch.tensor([1, bad, 2]), table))
        raised = isinstance(result, dict) and "raised" in result
        found.append(result if not raised else (result["raised"][0], str(bad) in result["message"], "8" in result["message"]))
    return found


@probe("embedding")
def embedding_errors(code: Package):
    lookup, some_ids = code.embedding.embedding_lookup, torch.tensor([1, 0])
    return [outcome(lambda: lookup(torch.tensor([1.0, 0.0]), noise(4, 3, seed=311))),
            outcome(lambda: lookup(some_ids, torch.zeros(4, 3, dtype=torch.int64))),
            outcome(lambda: lookup(some_ids, noise(4, seed=312))), outcome(lambda: lookup(some_ids, noise(2, 4, 3, seed=313)))]


# --- Exercise 4: self-attention -----------------------------------------------------------


@probe("attention")
def weights_of_the_course_example(code: Package):
    return code.attention.attention_weights(course_example())


@probe("attention")
def weights_of_random_inputs(code: Package):
    weights_of = code.attention.attention_weights
    return weights_of(noise(3, 5, 6, seed=401)), weights_of(noise(2, 2, 3, 4, seed=402)), weights_of(noise(1, 1, 5, seed=403)), weights_of(noise(3, 2, seed=404))


@probe("attention")
def weights_with_a_mask(code: Package):
    X = noise(4, 5, 3, seed=405)
    return code.attention.attention_weights(X, real_tokens([5, 3, 1, 0], 5))


@probe("attention")
def weights_of_padding_far_below_the_words(code: Package):
    # the padded word's scores with the real ones are about -1e10: below any "large negative" fill value
    X = torch.tensor([[[2e5, 0.0], [1e5, 1e5], [-1e5, -2e5]]])
    return code.attention.attention_weights(X, real_tokens([2], 3))


@probe("attention")
def weights_of_large_scores(code: Package):
    X = noise(2, 4, 5, seed=406, scale=250.0)
    return code.attention.attention_weights(X), code.attention.attention_weights(X, real_tokens([2, 4], 4))


@probe("attention")
def averages_of_self_attention(code: Package):
    attend = code.attention.self_attention
    return attend(noise(2, 4, 6, seed=407)), attend(course_example()), attend(noise(3, 4, 3, seed=408), real_tokens([4, 2, 0], 4))


@probe("attention")
def float64_attention(code: Package):
    X = noise(2, 3, 4, seed=409, dtype=torch.float64)
    return code.attention.attention_weights(X), code.attention.self_attention(X, real_tokens([3, 2], 3))


@probe("attention")
def inputs_unchanged_and_gradient(code: Package):
    X = noise(2, 5, 4, seed=410)
    mask = real_tokens([5, 2], 5)
    copy = X.clone()
    code.attention.attention_weights(X, mask)
    unchanged = torch.equal(X, copy)
    X = copy.clone().requires_grad_(True)
    (code.attention.self_attention(X, mask) * noise(2, 5, 4, seed=411)).sum().backward()
    return unchanged, torch.equal(mask, real_tokens([5, 2], 5)), X.grad


@probe("attention")
def attention_errors(code: Package):
    weights_of, X = code.attention.attention_weights, noise(2, 4, 3, seed=412)
    return [outcome(lambda: weights_of(torch.zeros(2, 4, 3, dtype=torch.int32))), outcome(lambda: weights_of(X, torch.ones(2, 4, dtype=torch.long))),
            outcome(lambda: weights_of(noise(6, seed=413))), outcome(lambda: weights_of(X, torch.ones(2, 3, dtype=torch.bool)))]


# --- Exercise 5: positional embedding -----------------------------------------------------


def positions(code: Package, max_len: int = 6, k: int = 3, dtype: torch.dtype = torch.float32):
    """A ``PositionalEmbedding(max_len, k)`` with seeded position vectors."""
    module = code.positional.PositionalEmbedding(max_len, k).to(dtype)
    return with_weights(module, weights({"embedding.weight": (max_len, k)}, seed=501, dtype=dtype))


@probe("positional")
def position_table_layout(code: Package):
    return shapes(code.positional.PositionalEmbedding(7, 3)), shapes(code.positional.PositionalEmbedding(1, 2))


@probe("positional")
def positions_added_to_words(code: Package):
    add = positions(code)
    x = noise(4, 4, 3, seed=502)
    inputs = (x, x[:1], noise(2, 1, 3, seed=503), noise(1, 6, 3, seed=504), noise(9, 2, 3, seed=505))
    return [outcome(lambda: add(words)) for words in inputs]  # one by one: a length wrongly refused fails alone


@probe("positional")
def float64_positions(code: Package):
    return positions(code, dtype=torch.float64)(noise(2, 4, 3, seed=506, dtype=torch.float64))


@probe("positional")
def position_table_gradient(code: Package):
    add = positions(code).train()
    x = noise(2, 4, 3, seed=507)
    copy = x.clone()
    (add(x) * noise(2, 4, 3, seed=508)).sum().backward()
    return add.embedding.weight.grad, torch.equal(x, copy)


@probe("positional")
def positional_errors(code: Package):
    make = code.positional.PositionalEmbedding
    return [outcome(lambda: positions(code)(noise(1, 7, 3, seed=509))), outcome(lambda: positions(code)(noise(3, 10, 3, seed=510))),
            outcome(lambda: make(-1, 3)), outcome(lambda: make(6, 0)), outcome(lambda: positions(code)(noise(6, 3, seed=511)))]


# --- Exercise 6: queries, keys and values -------------------------------------------------


def attention_module(code: Package, k: int, heads: int, seed: int = 601, dtype: torch.dtype = torch.float32):
    """A ``SelfAttention(k, heads)`` with seeded weights."""
    module = code.attention.SelfAttention(k, heads).to(dtype)
    return with_weights(module, weights(attention_layout(k), seed, dtype))


@probe("qkv")
def attention_module_layout(code: Package):
    return shapes(code.attention.SelfAttention(6, 3)), shapes(code.attention.SelfAttention(4, 1))


@probe("qkv")
def attention_with_one_head(code: Package):
    return attention_module(code, 5, 1)(noise(3, 4, 5, seed=602))


@probe("qkv")
def attention_with_several_heads(code: Package):
    return (attention_module(code, 6, 2)(noise(2, 4, 6, seed=603)), attention_module(code, 9, 3, seed=604)(noise(1, 5, 9, seed=605)),
            attention_module(code, 3, 3, seed=606)(noise(2, 2, 3, seed=607)))


@probe("qkv")
def attention_module_with_a_mask(code: Package):
    module = attention_module(code, 6, 2, seed=608)
    return module(noise(3, 5, 6, seed=609), real_tokens([5, 2, 0], 5)), module(noise(1, 1, 6, seed=610))


@probe("qkv")
def float64_attention_module(code: Package):
    return attention_module(code, 6, 3, dtype=torch.float64)(noise(2, 3, 6, seed=611, dtype=torch.float64))


@probe("qkv")
def attention_module_gradients(code: Package):
    module = attention_module(code, 6, 2, seed=612)
    x = noise(2, 5, 6, seed=613).requires_grad_(True)
    (module(x, real_tokens([5, 3], 5)) * noise(2, 5, 6, seed=614)).sum().backward()
    return grads(module), x.grad


@probe("qkv")
def attention_module_errors(code: Package):
    make = code.attention.SelfAttention
    module = make(6, 2)
    return [outcome(lambda: make(10, 4)), outcome(lambda: make(5, 2)), outcome(lambda: make(-2, 1)), outcome(lambda: make(6, 0)),
            outcome(lambda: module(noise(4, 6, seed=615))), outcome(lambda: module(noise(2, 3, 6, seed=616), torch.ones(2, 5, dtype=torch.bool))),
            outcome(lambda: module(noise(2, 3, 4, seed=617)))]


# --- Exercise 7: Transformer block and classifier -----------------------------------------

SIZES = dict(vocab_size=16, k=6, heads=3, depth=2, max_len=6)


def classifier(code: Package, seed: int = 701, **changes):
    """A ``TransformerClassifier`` of ``SIZES`` (with ``changes``) and seeded weights."""
    sizes = {**SIZES, **changes}
    layout = classifier_layout(sizes["vocab_size"], sizes["k"], sizes["depth"], sizes["max_len"], sizes.get("num_classes", 2))
    return with_weights(code.classifier.TransformerClassifier(**sizes), weights(layout, seed))


def reviews(pad_id: int = 0, seed: int = 702) -> torch.Tensor:
    """Five reviews of lengths 6, 3, 1, 4 and 6, ids in [5, 16), padded with ``pad_id``: ``(5, 6)``."""
    return padded_ids([6, 3, 1, 4, 6], 6, pad_id, 5, 16, seed)


@probe("classifier")
def block_and_classifier_layouts(code: Package):
    make = code.classifier
    return (shapes(make.TransformerBlock(6, 3)), shapes(make.TransformerBlock(4, 2, ff_mult=3)),
            shapes(make.TransformerClassifier(**SIZES)), shapes(make.TransformerClassifier(12, 2, 1, 1, 3, num_classes=4)))


@probe("classifier")
def block_outputs(code: Package):
    block = with_weights(code.classifier.TransformerBlock(6, 3), weights(block_layout(6, 4), seed=703))
    wide = with_weights(code.classifier.TransformerBlock(6, 2, ff_mult=2), weights(block_layout(6, 2), seed=704))
    x = noise(3, 4, 6, seed=705)
    return block(x), block(x, real_tokens([4, 2, 1], 4)), wide(x, real_tokens([3, 4, 2], 4))


@probe("classifier")
def logits_of_mean_and_max_pooling(code: Package):
    return classifier(code)(reviews()), classifier(code, pool="max")(reviews())


@probe("classifier")
def logits_with_another_pad_id(code: Package):
    model = classifier(code, pad_id=2)
    return model(reviews(pad_id=2)), model.token_embedding.padding_idx


@probe("classifier")
def logits_of_a_padding_only_review(code: Package):
    batch = reviews(seed=707)
    batch[2] = 0
    return classifier(code)(batch), classifier(code, pool="max")(batch)


@probe("classifier")
def logits_for_four_classes_and_dropout(code: Package):
    four = classifier(code, seed=708, num_classes=4)(reviews(seed=709))
    model = classifier(code, dropout=0.3)
    return four, model(reviews(seed=710)), model(reviews(seed=710))


@probe("classifier")
def dropout_in_training(code: Package):
    # A dropout that keeps one value in ten million drops everything it is applied to: the blocks get
    # zeros and the logits are the head of the final norm's bias; a block alone passes x through.
    model = classifier(code, seed=714, dropout=1 - 1e-7).train()
    block = with_weights(code.classifier.TransformerBlock(6, 3, dropout=1 - 1e-7), weights(block_layout(6, 4), seed=715)).train()
    return model(reviews(seed=716)), block(noise(2, 3, 6, seed=717), real_tokens([3, 1], 3))


@probe("classifier")
def classifier_gradients(code: Package):
    model = classifier(code, seed=711, depth=1)  # one block: every kind of parameter, half the numbers to ship
    torch.nn.functional.cross_entropy(model(reviews(seed=712)), torch.tensor([1, 0, 0, 1, 1])).backward()
    return grads(model)


@probe("classifier")
def classifier_errors(code: Package):
    make, model = code.classifier.TransformerClassifier, classifier(code)
    return [outcome(lambda: make(**SIZES, pool="median")), outcome(lambda: make(**SIZES, dropout=-0.2)),
            outcome(lambda: make(**{**SIZES, "vocab_size": 0})), outcome(lambda: make(**SIZES, pad_id=16)),
            outcome(lambda: code.classifier.TransformerBlock(6, 3, dropout=1.5)), outcome(lambda: model(reviews().double())),
            outcome(lambda: model(reviews()[None])), outcome(lambda: model(ids(5, 16, (1, 8), 713)))]


# --- Bonus: sinusoidal encoding -----------------------------------------------------------


@probe("sinusoidal", atol=1e-4)
def sinusoid_tables(code: Package):
    encode = code.positional.sinusoidal_encoding
    return [outcome(lambda: encode(*size)) for size in ((24, 10), (9, 5), (1, 1), (2, 4))]  # one by one: an odd k fails alone


@probe("sinusoidal")
def sinusoid_errors(code: Package):
    encode = code.positional.sinusoidal_encoding
    return [outcome(lambda: encode(-3, 4)), outcome(lambda: encode(5, 0))]
