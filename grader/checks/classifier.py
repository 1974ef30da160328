"""Hidden checks of Exercise 7: TransformerBlock and TransformerClassifier."""

import torch

from . import check, outcome
from .helpers import block_state, classifier_state, gradients, loaded, padded_mask, randint, randn, state_layout

SETTINGS = dict(vocab_size=20, k=8, heads=2, depth=2, max_len=7)


def _classifier(impl, seed: int = 40, **overrides):
    settings = {**SETTINGS, **overrides}
    state = classifier_state(settings["vocab_size"], settings["k"], settings["depth"], settings["max_len"], settings.get("num_classes", 2), seed)
    return loaded(impl.classifier.TransformerClassifier(**settings), state)


def _batch(pad_id: int = 0, seed: int = 1) -> torch.Tensor:
    """Four reviews of lengths 7, 4, 2 and 5, padded with pad_id (which appears nowhere else)."""
    ids = randint(4, 20, (4, 7), seed=seed)
    for row, length in enumerate((7, 4, 2, 5)):
        ids[row, length:] = pad_id
    return ids


@check("classifier", "TransformerBlock's layers: attention, norm1, norm2, ff = Linear(k, ff_mult*k), ReLU, Linear(ff_mult*k, k)")
def block_state_dict_layout(impl):
    return state_layout(impl.classifier.TransformerBlock(8, 2)), state_layout(impl.classifier.TransformerBlock(4, 1, ff_mult=2))


@check("classifier", "a pre-norm block: x + attention(norm1(x), mask), then + ff(norm2(.)), the mask passed to attention")
def block_forward(impl):
    block = loaded(impl.classifier.TransformerBlock(8, 2), block_state(8, 4, seed=3))
    x = randn(3, 5, 8, seed=4)
    return block(x), block(x, padded_mask([5, 3, 1], 5))


@check("classifier", "TransformerClassifier's layers: token_embedding, position, blocks, norm, head, with these names")
def classifier_state_dict_layout(impl):
    return state_layout(impl.classifier.TransformerClassifier(**SETTINGS)), state_layout(impl.classifier.TransformerClassifier(30, 4, 1, 1, 5, num_classes=3))


@check("classifier", "mean pooling: logits of padded reviews, with the mask given to every block and the mean taken over real tokens only; float64 too (after .double())")
def logits_with_mean_pooling(impl):
    return _classifier(impl)(_batch()), outcome(lambda: _classifier(impl).double()(_batch()))


@check("classifier", "max pooling: the maximum over real tokens only")
def logits_with_max_pooling(impl):
    return _classifier(impl, pool="max")(_batch()), _classifier(impl, pool="max", depth=1)(_batch())  # heads 2, depth 1


@check("classifier", "the padding id is pad_id (here 3), for the mask and for the embedding's padding_idx")
def other_pad_id(impl):
    model = _classifier(impl, pad_id=3)
    return model(_batch(pad_id=3)), model.token_embedding.padding_idx


@check("classifier", "a review of padding only pools to zeros: finite logits equal to the head's bias")
def all_padding_review(impl):
    ids = _batch()
    ids[1] = 0
    return _classifier(impl)(ids), _classifier(impl, pool="max")(ids)


@check("classifier", "logits, not probabilities, for any number of classes, (batch, num_classes) also for a batch of one review")
def logits_for_three_classes(impl):
    model = _classifier(impl, num_classes=3)
    return model(_batch(seed=2)), model(_batch(seed=2)[:1])


@check("classifier", "one backward pass gives every parameter its gradient (and the <pad> row none, via padding_idx)")
def gradients_reach_every_parameter(impl):
    model = _classifier(impl)
    torch.nn.functional.cross_entropy(model(_batch(seed=3)), torch.tensor([0, 1, 1, 0])).backward()
    return gradients(model)


@check("classifier", "the errors the docstrings document: a pool other than mean or max (in the classifier and in pool_tokens), a dropout outside [0, 1), a size that is not positive, fewer than two classes, pad_id outside the vocabulary (ValueError); float ids (TypeError), ids not 2-D or T > max_len (ValueError)")
def rejects_an_unknown_pool(impl):
    make = impl.classifier.TransformerClassifier
    model = _classifier(impl)
    return [outcome(lambda: make(**SETTINGS, pool="sum"), 'TransformerClassifier(..., pool="sum")'),
            outcome(lambda: impl.classifier.pool_tokens(randn(2, 3, 8, seed=5), padded_mask([3, 1], 3), "avg"), 'pool_tokens(h, mask, pool="avg")'),
            outcome(lambda: make(**SETTINGS, dropout=1.0), "TransformerClassifier(..., dropout=1.0)"),
            outcome(lambda: make(**{**SETTINGS, "depth": 0}), "TransformerClassifier(..., depth=0)"),
            outcome(lambda: make(**SETTINGS, num_classes=1), "TransformerClassifier(..., num_classes=1)"),
            outcome(lambda: make(**SETTINGS, pad_id=20), "TransformerClassifier(vocab_size=20, ..., pad_id=20)"),
            outcome(lambda: make(**SETTINGS, pad_id=-1), "TransformerClassifier(..., pad_id=-1)"),
            outcome(lambda: impl.classifier.TransformerBlock(8, 2, dropout=-0.1), "TransformerBlock(8, 2, dropout=-0.1)"),
            outcome(lambda: impl.classifier.TransformerBlock(8, 2, dropout=1.0), "TransformerBlock(8, 2, dropout=1.0)"),
            outcome(lambda: model(_batch().float()), "the classifier on float ids"),
            outcome(lambda: model(_batch()[0]), "the classifier on 1-D ids"),
            outcome(lambda: model(torch.randint(4, 20, (2, 9))), "the classifier (max_len=7) on T = 9")]


@check("classifier", "dropout where the docstrings put it: off in eval mode (two passes give the reference's logits); in training, on the embedded input after the positions are added, and on each residual branch; none by default (dropout=0.0)")
def eval_mode_has_no_dropout(impl):
    model = _classifier(impl, dropout=0.5)
    ids = _batch(seed=4)
    evaluated = model(ids), model(ids)
    # With a dropout that keeps one value in ten million, every dropout the docstrings place
    # zeroes its input whatever the random draws: the blocks pass zeros on, and the logits are
    # the head applied to the final norm's bias; a block alone passes its input through, as
    # both its branches are dropped. Dropout anywhere else lets something through or drops x.
    model = _classifier(impl, dropout=1 - 1e-7).train()
    block = loaded(impl.classifier.TransformerBlock(8, 2, dropout=1 - 1e-7), block_state(8, 4, seed=3)).train()
    # The default dropout is 0.0: in training mode the default model and block compute what they do in eval mode.
    defaults = _classifier(impl).train()(ids), loaded(impl.classifier.TransformerBlock(8, 2), block_state(8, 4, seed=3)).train()(randn(2, 4, 8, seed=7))
    return evaluated, model(ids), block(randn(2, 4, 8, seed=7), padded_mask([4, 2], 4)), defaults


@check("classifier", "ff_mult sets the feed-forward width: a block with ff_mult=2 computes with its (2k, k) layers")
def ff_mult_is_honoured(impl):
    block = loaded(impl.classifier.TransformerBlock(8, 2, ff_mult=2), block_state(8, 2, seed=5))
    return block(randn(2, 4, 8, seed=6), padded_mask([4, 2], 4))
