# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Build a Transformer that reads movie reviews
#
# By the end of this notebook you will have written, one function at a time,
# every piece of a Transformer that reads an IMDB review and says whether it
# is positive or negative. Each exercise has a cell for your code (replace
# `raise NotImplementedError()`), a cell of checks you can run as often as you
# like, and a graded cell your instructor runs.
#
# The plan:
#
# 1. turn text into numbers: tokens and a vocabulary;
# 2. make a batch rectangular: padding, and a mask that remembers where it is;
# 3. give every word a vector: embeddings;
# 4. let the words look at each other: self-attention;
# 5. tell attention where each word is: positions;
# 6. make attention learn: queries, keys and values;
# 7. stack it into a classifier.
#
# Run the next cell first: it imports what we need and defines small helpers
# that check arguments and raise clear errors.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false}
import math
import re
from collections import Counter
from typing import Iterable, Sequence

import matplotlib.pyplot as plt
import torch
from torch import nn

# %include validate: require_int require_tensor require_integer_tensor require_float_tensor require_mask

# %% [markdown]
# ## 1. From text to numbers
#
# A network only computes with numbers. We first cut a review into *tokens*:
# lowercase words, and punctuation marks as tokens of their own, because `!`
# and `?` carry sentiment too. IMDB reviews also contain HTML line breaks
# (`<br />`), which we turn into spaces.
#
# Then we list every token of the training reviews in a *vocabulary* and give
# each one an id, its position in the list. Two ids are reserved: `<pad>` (0)
# fills short reviews up (section 2) and `<unk>` (1) stands for any word the
# vocabulary has never seen. The most frequent words come first, so that a
# size limit keeps the useful ones; words with the same count are sorted as
# strings, so the ids never depend on the order of the reviews.
#
# Write `tokenize`, `Vocab.__getitem__` and `build_vocab`. Their docstrings are
# the specification.

# %% nbgrader={"grade": false, "grade_id": "vocab_code", "locked": false, "schema_version": 3, "solution": true}
# %include vocab: PAD UNK PAD_ID UNK_ID tokenize Vocab build_vocab

# %% nbgrader={"grade": false, "grade_id": "vocab_checks", "locked": true, "schema_version": 3, "solution": false}
assert tokenize("I'm here.") == ["i", "'", "m", "here", "."], tokenize("I'm here.")
assert tokenize("Great<br /><br />FUN!") == ["great", "fun", "!"]
vocab = build_vocab([["bad", "film", "bad"], ["dull", "film", "bad", "a"]])
assert vocab.itos == ["<pad>", "<unk>", "bad", "film", "a", "dull"], vocab.itos
assert vocab["masterpiece"] == UNK_ID, "an unknown word maps to <unk>"
assert build_vocab([["a", "b", "a"]], max_size=3).itos == ["<pad>", "<unk>", "a"], "max_size counts the two specials"
print("Exercise 1: the visible checks pass")

# %% nbgrader={"grade": true, "grade_id": "vocab_hidden", "locked": true, "points": 10, "schema_version": 3, "solution": false}
### BEGIN HIDDEN TESTS
from grader.notebook import grade_exercise

grade_exercise("vocab", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Padding, and a mask
#
# Reviews have different lengths, but a batch is one rectangular tensor, so
# that the whole batch is computed at once. We append `<pad>` ids to the short
# reviews until they are as long as the longest (or cut them at `max_len`).
#
#     [[12, 7, 3],          [[12, 7, 3],
#      [5, 9]]       -->     [ 5, 9, 0]]
#
# Padding is not part of any review, so every later step must ignore it. The
# *mask* says where it is: `True` at real tokens, `False` at padding.

# %% nbgrader={"grade": false, "grade_id": "padding_code", "locked": false, "schema_version": 3, "solution": true}
# %include padding: pad_sequences _as_ids padding_mask

# %% nbgrader={"grade": false, "grade_id": "padding_checks", "locked": true, "schema_version": 3, "solution": false}
batch = pad_sequences([[12, 7, 3], [5, 9]])
assert batch.tolist() == [[12, 7, 3], [5, 9, 0]] and batch.dtype == torch.long, batch
assert pad_sequences([[1, 2, 3, 4]], max_len=2).tolist() == [[1, 2]], "long sequences keep their first max_len ids"
assert padding_mask(batch).tolist() == [[True, True, True], [True, True, False]]
print("Exercise 2: the visible checks pass")

# %% nbgrader={"grade": true, "grade_id": "padding_hidden", "locked": true, "points": 10, "schema_version": 3, "solution": false}
### BEGIN HIDDEN TESTS
grade_exercise("padding", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Embeddings: a vector for every word
#
# One number per word says nothing about the word. Instead, every id gets a
# vector of `k` numbers: row `i` of a matrix `weight` of shape `(vocab, k)`.
# Training moves the rows of words used alike close together.
#
# Looking a row up is the same as multiplying a *one-hot* vector by the
# matrix: if `e_i` is 1 at position `i` and 0 elsewhere, then
# `e_i @ weight = weight[i]`. Indexing gives the same numbers without building
# the big matrix of zeros, and it is what `nn.Embedding` does.
#
# Below, the first five words of a review become the course's running example:
# a tensor of shape `1 x 5 x 7` (one review, five words, seven numbers each).

# %% nbgrader={"grade": false, "grade_id": "embedding_code", "locked": false, "schema_version": 3, "solution": true}
# %include embedding: embedding_lookup

# %% nbgrader={"grade": false, "grade_id": "embedding_checks", "locked": true, "schema_version": 3, "solution": false}
weight = torch.arange(12.0).view(4, 3)
assert embedding_lookup(torch.tensor([[2, 0]]), weight).tolist() == [[[6.0, 7.0, 8.0], [0.0, 1.0, 2.0]]]
one_hot = torch.nn.functional.one_hot(torch.tensor([3, 1]), num_classes=4).float()
assert torch.equal(embedding_lookup(torch.tensor([3, 1]), weight), one_hot @ weight), "the lookup equals the one-hot product"

words = ["the", "film", "was", "the", "best"]
example_vocab = build_vocab([words])
torch.manual_seed(0)
X = embedding_lookup(torch.tensor([example_vocab.encode(words)]), torch.randn(len(example_vocab), 7))
assert X.shape == (1, 5, 7)
print("Exercise 3: the visible checks pass; X has shape", tuple(X.shape))

# %% nbgrader={"grade": true, "grade_id": "embedding_hidden", "locked": true, "points": 10, "schema_version": 3, "solution": false}
### BEGIN HIDDEN TESTS
grade_exercise("embedding", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Self-attention: every word looks at every word
#
# Self-attention turns a sequence of word vectors into a new sequence of the
# same shape. Output word `i` is a weighted average of all the input words:
#
# $$y_i = \sum_j w_{ij}\, x_j \qquad\text{or, for the whole review,}\qquad Y = W X.$$
#
# The weights come from the words themselves. The dot product $x_i \cdot x_j$
# is large when two vectors point the same way, so $X X^T$ holds a score for
# every pair. A dot product of `k` terms grows like $\sqrt{k}$, so we divide by
# it (huge scores would make the softmax pick a single word and stop
# learning); then a softmax along each row makes the weights of a word
# positive and summing to 1:
#
# $$W = \mathrm{softmax}\!\left(\frac{X X^T}{\sqrt{k}}\right)\quad\text{(softmax over the last dimension).}$$
#
# Padded words must get weight 0: give their scores $-\infty$ (or the lowest
# float) before the softmax. A review made only of padding then has no word to
# look at, and its weights should be 0, not `NaN`.

# %% nbgrader={"grade": false, "grade_id": "attention_code", "locked": false, "schema_version": 3, "solution": true}
# %include attention: masked_softmax attention_weights self_attention

# %% nbgrader={"grade": false, "grade_id": "attention_checks", "locked": true, "schema_version": 3, "solution": false}
W = attention_weights(X)
assert W.shape == (1, 5, 5)
assert torch.allclose(W.sum(-1), torch.ones(1, 5)), "rows of the weight matrix don't sum to 1 — is the softmax over the last dimension?"
assert torch.allclose(self_attention(X), W @ X)
masked = attention_weights(X, torch.tensor([[True, True, True, False, False]]))
assert torch.allclose(masked[..., 3:], torch.zeros(1, 5, 2)), "padded keys get weight 0"
assert not attention_weights(X, torch.zeros(1, 5, dtype=torch.bool)).isnan().any(), "all padding gives zeros, not NaN"
print("Exercise 4: the visible checks pass")

# %% [markdown]
# Here is `W` for the first words of a review, with random embeddings. Each
# word attends mostly to itself (a vector points the same way as itself), and
# the two occurrences of "the" attend to each other just as much: without
# learning, identical words are indistinguishable.

# %% nbgrader={"grade": false, "grade_id": "attention_figure", "locked": true, "schema_version": 3, "solution": false}
review = "The film was the best surprise of the year: the cast is superb and the story moving."
first = tokenize(review)[:12]
figure_vocab = build_vocab([first])
torch.manual_seed(1)
vectors = embedding_lookup(torch.tensor([figure_vocab.encode(first)]), torch.randn(len(figure_vocab), 16))
fig, ax = plt.subplots(figsize=(6, 5))
image = ax.imshow(attention_weights(vectors)[0], cmap="viridis", vmin=0)
ax.set_xticks(range(len(first)), first, rotation=60, ha="right")
ax.set_yticks(range(len(first)), first)
ax.set_xlabel("attends to (key)")
ax.set_ylabel("word (query)")
ax.set_title("attention_weights: each row sums to 1")
fig.colorbar(image, ax=ax)
plt.show()

# %% nbgrader={"grade": true, "grade_id": "attention_hidden", "locked": true, "points": 20, "schema_version": 3, "solution": false}
### BEGIN HIDDEN TESTS
grade_exercise("attention", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Positions: attention cannot see word order
#
# Shuffle the words of a review and self-attention returns the same vectors,
# only shuffled the same way: a weighted average does not care where its
# terms stand. But "not good, bad" and "good, not bad" mean different things.
#
# The fix is to make each vector carry its position: add to the word at
# position `p` a vector `P[p]` that depends on `p` alone. `PositionalEmbedding`
# learns these vectors as one more embedding table, indexed by position
# (0, 1, 2, ...) instead of by word.

# %% nbgrader={"grade": false, "grade_id": "positional_code", "locked": false, "schema_version": 3, "solution": true}
# %include positional: PositionalEmbedding

# %% nbgrader={"grade": false, "grade_id": "positional_checks", "locked": true, "schema_version": 3, "solution": false}
positions = PositionalEmbedding(max_len=10, k=7)
assert isinstance(positions.embedding, nn.Embedding) and positions.embedding.weight.shape == (10, 7)
assert torch.allclose(positions(X) - X, positions.embedding.weight[:5].expand(1, 5, 7)), "word p gets row p added"
print("Exercise 5: the visible checks pass")

# %% [markdown]
# The picture below shuffles the five words, then compares "shuffle, then
# attend" with "attend, then shuffle". Without positions the two agree for
# every word (self-attention is *permutation-equivariant*); with positions
# they differ, so the model can now tell orders apart.

# %% nbgrader={"grade": false, "grade_id": "positional_figure", "locked": true, "schema_version": 3, "solution": false}
order = torch.tensor([3, 0, 4, 1, 2])
with torch.no_grad():
    plain = (self_attention(X[:, order]) - self_attention(X)[:, order]).norm(dim=-1)[0]
    placed = (self_attention(positions(X[:, order])) - self_attention(positions(X))[:, order]).norm(dim=-1)[0]
fig, ax = plt.subplots(figsize=(7, 3))
shuffled = [words[i] for i in order]
ax.bar([i - 0.2 for i in range(5)], plain, width=0.4, label="without positions")
ax.bar([i + 0.2 for i in range(5)], placed, width=0.4, label="with positions")
ax.set_xticks(range(5), shuffled)
ax.set_ylabel("difference (norm)")
ax.set_title("shuffle-then-attend vs attend-then-shuffle, per word")
for i, value in enumerate(plain):
    ax.annotate(f"{value:.0f}", (i - 0.2, value), ha="center", va="bottom")
ax.legend()
plt.show()

# %% nbgrader={"grade": true, "grade_id": "positional_hidden", "locked": true, "points": 10, "schema_version": 3, "solution": false}
### BEGIN HIDDEN TESTS
grade_exercise("positional", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Queries, keys and values: attention that learns
#
# So far nothing is learned: the weights depend only on the embeddings. Look
# again at $\mathrm{softmax}(X X^T/\sqrt{k})\,X$: `X` plays three roles. The
# left `X` is the word that asks (the *query*), `X^T` holds the words it is
# compared with (the *keys*), and the right `X` holds what gets averaged (the
# *values*). Giving each role its own linear map lets training decide what to
# ask, what to match and what to pass on:
#
# $$Q = X W_q,\quad K = X W_k,\quad V = X W_v,\qquad Y = \mathrm{softmax}\!\left(\frac{Q K^T}{\sqrt{s}}\right) V.$$
#
# With several *heads*, the `k` features are cut into `heads` slices of
# `s = k // heads`: head `h` attends using features `[h*s, (h+1)*s)` only, so
# that one head can follow negation while another follows the subject. The
# heads are put side by side again and mixed by one more linear map,
# `unify_heads`.

# %% nbgrader={"grade": false, "grade_id": "qkv_code", "locked": false, "schema_version": 3, "solution": true}
# %include attention: SelfAttention

# %% nbgrader={"grade": false, "grade_id": "qkv_checks", "locked": true, "schema_version": 3, "solution": false}
attend = SelfAttention(k=8, heads=2)
assert attend.to_queries.bias is None and attend.unify_heads.bias is not None
assert attend(torch.randn(3, 5, 8)).shape == (3, 5, 8)
with torch.no_grad():
    for layer in (attend.to_queries, attend.to_keys, attend.to_values, attend.unify_heads):
        layer.weight.copy_(torch.eye(8))
    attend.unify_heads.bias.zero_()
    attend.to_queries.weight.zero_()
x = torch.randn(1, 4, 8)
assert torch.allclose(attend(x), x.mean(dim=1, keepdim=True).expand(1, 4, 8), atol=1e-6), "zero queries: every word takes the mean"
print("Exercise 6: the visible checks pass")

# %% nbgrader={"grade": true, "grade_id": "qkv_hidden", "locked": true, "points": 20, "schema_version": 3, "solution": false}
### BEGIN HIDDEN TESTS
grade_exercise("qkv", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## 7. A Transformer block, and the classifier
#
# A block refines every word vector twice, each time *adding* a correction
# (a residual connection, so that gradients reach the first layers intact):
#
#     x = x + attention(norm1(x), mask)     the words exchange information
#     x = x + ff(norm2(x))                  each word is processed on its own
#
# `ff` is a small two-layer network; the LayerNorms before each branch keep
# the inputs at a steady scale (pre-norm, as in GPT-2).
#
# The classifier embeds the ids, adds the positions, runs `depth` blocks (each
# given the padding mask), normalises, then *pools*: it averages (or takes the
# maximum of) the vectors of the real tokens into one vector per review, and a
# linear layer turns that into one score (logit) per class. Pooling over real
# tokens only means a review gets the same logits however much padding its
# batch needed.

# %% nbgrader={"grade": false, "grade_id": "classifier_code", "locked": false, "schema_version": 3, "solution": true}
# %include classifier: POOLS _require_dropout TransformerBlock TransformerClassifier pool_tokens

# %% nbgrader={"grade": false, "grade_id": "classifier_checks", "locked": true, "schema_version": 3, "solution": false}
torch.manual_seed(0)
model = TransformerClassifier(vocab_size=20, k=8, heads=2, depth=2, max_len=6).eval()
alone = model(torch.tensor([[3, 4, 5]]))
padded = model(torch.tensor([[3, 4, 5, 0, 0, 0], [7, 8, 9, 10, 11, 12]]))[:1]
assert alone.shape == (1, 2)
assert torch.allclose(alone, padded, atol=1e-5), "padding changed the logits: pass the mask to every block and pool over real tokens"
assert torch.isfinite(model(torch.zeros(1, 3, dtype=torch.long))).all(), "a review of padding only gives finite logits"
print("Exercise 7: the visible checks pass")

# %% nbgrader={"grade": true, "grade_id": "classifier_hidden", "locked": true, "points": 20, "schema_version": 3, "solution": false}
### BEGIN HIDDEN TESTS
grade_exercise("classifier", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## Bonus: the sinusoidal positions of the original paper (5 extra points)
#
# The bonus is worth 5 points on top of the 100 of Exercises 1-7, as in the
# progress table of `pytest exercises`. Its hidden checks run with
# `python -m grader grade`, not in this notebook: the graded cells here add up
# to the 100 of Exercises 1-7.
#
# Instead of learning `P`, "Attention Is All You Need" fixes it: feature pair
# `(2i, 2i+1)` of position `p` is a sine and a cosine of `p / 10000^(2i/k)`.
# The first pairs turn fast and the last ones slowly, like the hands of a
# clock, so that every position gets a distinct pattern.

# %% nbgrader={"grade": false, "grade_id": "sinusoidal_code", "locked": false, "schema_version": 3, "solution": true}
# %include positional: sinusoidal_encoding

# %% nbgrader={"grade": false, "grade_id": "sinusoidal_figure", "locked": true, "schema_version": 3, "solution": false}
table = sinusoidal_encoding(64, 32)
assert table.shape == (64, 32) and torch.allclose(table[0, :4], torch.tensor([0.0, 1.0, 0.0, 1.0]))
fig, ax = plt.subplots(figsize=(7, 3.5))
image = ax.imshow(table.T, cmap="RdBu", aspect="auto")
ax.set_xlabel("position p")
ax.set_ylabel("feature")
ax.set_title("sinusoidal_encoding(64, 32)")
fig.colorbar(image, ax=ax)
plt.show()

# %% [markdown]
# ## What next
#
# You have built every part of the model that `python -m solutions.train`
# trains on the 25,000 IMDB reviews. Compare your code with the reference
# solutions once your exercises pass, and read `solutions/train.py` to see
# how the batches, the optimiser and the learning-rate schedule are set up.
