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
# **This notebook is a route of its own, separate from the files
# `exercises/*.py`.** The course can be taken either way: in the files, checked
# with `pytest exercises`, or here, in the notebook's cells. The two never share
# code: what you write here does not change `exercises/*.py`, and what you
# write there is not used here. Pick one route and write every exercise on
# it. The exercises, their specifications (the docstrings) and their visible
# tests are the same on both: each check cell below runs the very tests of
# `pytest exercises` on the code of this notebook and shows the same messages.
# (The check cells import the course's `exercises` package: install it into
# the notebook's environment with `pip install -e .` in the folder that holds
# `exercises/`.)
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

# %% [markdown]
# The check cells run `pytest exercises -m KEY` on the definitions of this
# notebook: one line when every test passes, otherwise each failing test with
# the message `pytest exercises` would show.

# %% nbgrader={"grade": false, "grade_id": "vocab_checks", "locked": true, "schema_version": 3, "solution": false}
from exercises.notebook import run_visible_tests

run_visible_tests("vocab", globals())

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
from exercises.notebook import run_visible_tests

run_visible_tests("padding", globals())

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
from exercises.notebook import run_visible_tests

run_visible_tests("embedding", globals())

# %% nbgrader={"grade": false, "grade_id": "embedding_example", "locked": true, "schema_version": 3, "solution": false}
words = ["the", "film", "was", "the", "best"]
example_vocab = build_vocab([words])
torch.manual_seed(0)
X = embedding_lookup(torch.tensor([example_vocab.encode(words)]), torch.randn(len(example_vocab), 7))
print("the running example X has shape", tuple(X.shape))

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
from exercises.notebook import run_visible_tests

run_visible_tests("attention", globals())

# %% [markdown]
# Here is `W` for the first twelve words of a review, with random
# embeddings (16 numbers per word). Row `i` holds the weights of the average
# that word `i` takes: every word except "the" puts its largest weight on itself (a
# vector points the same way as itself). "The" occurs four times with the
# same vector, so its four rows are identical and its four columns too: each
# "the" gives the same weight to all four of them, wherever they stand, and
# most of its weight goes to them. Without learning, identical words are
# indistinguishable.

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
fig.colorbar(image, ax=ax, label="attention weight")
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
from exercises.notebook import run_visible_tests

run_visible_tests("positional", globals())

# %% [markdown]
# The picture below shuffles the five words of the running example `X`, then
# compares "shuffle, then attend" with "attend, then shuffle": for each word,
# the length of the difference between the two output vectors. Without
# positions the difference is 0 for every word (the dots on the axis, up to
# float rounding): self-attention is *permutation-equivariant*. With
# positions (a fresh `PositionalEmbedding`, random as before training) it is
# not (the bars), so the model can now tell orders apart.

# %% nbgrader={"grade": false, "grade_id": "positional_figure", "locked": true, "schema_version": 3, "solution": false}
torch.manual_seed(0)
positions = PositionalEmbedding(max_len=10, k=7)
order = torch.tensor([3, 0, 4, 1, 2])
with torch.no_grad():
    plain = (self_attention(X[:, order]) - self_attention(X)[:, order]).norm(dim=-1)[0]
    placed = (self_attention(positions(X[:, order])) - self_attention(positions(X))[:, order]).norm(dim=-1)[0]
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.bar(range(5), placed, width=0.6, color="tab:orange", label="with positions")
# The differences without positions are 0: dots on the axis, drawn above the bars so that they stay visible.
ax.plot(range(5), plain, "o", color="tab:blue", markersize=8, clip_on=False, zorder=3, label="without positions (0)")
ax.set_xticks(range(5), [f"{p}: {words[i]}" for p, i in enumerate(order.tolist())])
ax.set_xlabel("position in the shuffled review: word")
ax.set_ylabel("length of the difference")
ax.set_ylim(bottom=0)
ax.set_title("shuffle-then-attend minus attend-then-shuffle, per word")
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
from exercises.notebook import run_visible_tests

run_visible_tests("qkv", globals())

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
from exercises.notebook import run_visible_tests

run_visible_tests("classifier", globals())

# %% nbgrader={"grade": true, "grade_id": "classifier_hidden", "locked": true, "points": 20, "schema_version": 3, "solution": false}
### BEGIN HIDDEN TESTS
grade_exercise("classifier", globals())
### END HIDDEN TESTS

# %% [markdown]
# ## Bonus: the sinusoidal positions of the original paper (5 extra points)
#
# The bonus is worth 5 extra points on top of the 100 of Exercises 1-7, as in
# the points table: the progress table of `pytest exercises` shows it as
# `0/5` next to the exercises' 100, and `python -m grader grade` scores it
# in a column of its own, out of 5. This notebook has no graded cell for it:
# its graded cells are those of Exercises 1-7, 100 points in all, so the
# notebook's nbgrader score leaves the bonus out, and your instructor says
# whether it counts as extra credit. Its check cell runs its visible tests as
# for every exercise.
#
# Instead of learning `P`, "Attention Is All You Need" fixes it: feature pair
# `(2i, 2i+1)` of position `p` is a sine and a cosine of `p / 10000^(2i/k)`.
# The first pairs turn fast and the last ones slowly, like the hands of a
# clock, so that every position gets a distinct pattern.

# %% nbgrader={"grade": false, "grade_id": "sinusoidal_code", "locked": false, "schema_version": 3, "solution": true}
# %include positional: sinusoidal_encoding

# %% nbgrader={"grade": false, "grade_id": "sinusoidal_checks", "locked": true, "schema_version": 3, "solution": false}
from exercises.notebook import run_visible_tests

run_visible_tests("sinusoidal", globals())

# %% [markdown]
# The table for 64 positions and `k = 32` features, one column per position:
# along each row, a feature goes up and down as `p` grows. The top rows (the
# first feature pair) go through a whole cycle in about six positions; each
# pair below turns more slowly, and the bottom ones hardly change over these
# 64 positions: their sines stay near 0 (white) and their cosines near 1
# (dark blue).

# %% nbgrader={"grade": false, "grade_id": "sinusoidal_figure", "locked": true, "schema_version": 3, "solution": false}
table = sinusoidal_encoding(64, 32)
fig, ax = plt.subplots(figsize=(7, 3.5))
image = ax.imshow(table.T, cmap="RdBu", aspect="auto", vmin=-1, vmax=1)
ax.set_xlabel("position p")
ax.set_ylabel("feature (sin at 2i, cos at 2i+1)")
ax.set_title("sinusoidal_encoding(64, 32)")
fig.colorbar(image, ax=ax, label="value of the feature")
plt.show()

# %% [markdown]
# ## Look inside the model you trained
#
# Train your own classifier on the hand-written sample reviews (a few seconds
# on a laptop) from a terminal in the folder above this notebook:
#
#     python -m exercises.train --data-dir data/sample --preset sample
#
# (or `make train`; `pip install -e ".[train]"` first if `datasets` is
# missing). It trains the classes of `exercises/*.py`; the cell below loads
# the weights into the classes *this notebook* defines, classifies a review
# and draws the attention weights of its last block: row `i` is how much
# word `i` looks at each word, and every row sums to 1. The words that many
# rows look at are the ones the model found telling. Until a model is
# trained, the cell says so and draws nothing.

# %% nbgrader={"grade": false, "grade_id": "look_inside", "locked": true, "schema_version": 3, "solution": false}
from pathlib import Path

REVIEW = "The acting is wonderful, but the plot is dull and far too long."
found = next((folder for folder in (Path("runs/sample"), Path("../runs/sample")) if (folder / "model.pt").is_file()), None)
if found is None:
    print("No trained model yet: run `python -m exercises.train --data-dir data/sample --preset sample` in the folder above.")
else:
    from exercises.explain import describe, explain, plot_attention

    checkpoint = torch.load(found / "model.pt", map_location="cpu", weights_only=True)
    cfg = checkpoint["config"]
    trained_vocab = Vocab((found / "vocab.txt").read_text(encoding="utf-8").splitlines())
    model = TransformerClassifier(len(trained_vocab), cfg["k"], cfg["heads"], cfg["depth"], cfg["max_len"], pool=cfg["pool"])
    model.load_state_dict(checkpoint["state_dict"])
    seen = explain(model.eval(), trained_vocab, REVIEW, heads=cfg["heads"], max_len=cfg["max_len"], tokenizer=tokenize)
    print(describe(seen))
    fig, ax = plt.subplots(figsize=(6, 5))
    plot_attention(seen, ax)
    plt.show()

# %% [markdown]
# ## What next
#
# You have built every part of the model that `python -m exercises.train`
# trains; with its defaults and `--data-dir` pointing at the 25,000 IMDB
# reviews (or the Hugging Face hub), your own code reaches the reference's
# accuracy. Compare your code with the reference solutions once your
# exercises pass, and read `exercises/train.py` to see how the batches, the
# optimiser and the learning-rate schedule are set up.
