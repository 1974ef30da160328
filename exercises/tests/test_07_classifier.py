"""Exercise 7: Transformer block and classifier (exercises/classifier.py)."""

import pytest
import torch

from .checks import expect_close, must_raise

pytestmark = pytest.mark.classifier


@pytest.fixture
def model(classifier):
    """A small classifier in eval mode: vocabulary 20, k = 8, 2 heads, 2 blocks, max_len 6."""
    torch.manual_seed(0)
    return classifier.TransformerClassifier(vocab_size=20, k=8, heads=2, depth=2, max_len=6).eval()


def silence_branches(block, attention=True, ff=True):
    """Zero the last layer of the attention and/or feed-forward branch, so it adds 0."""
    with torch.no_grad():
        if attention:
            block.attention.unify_heads.weight.zero_()
            block.attention.unify_heads.bias.zero_()
        if ff:
            block.ff[2].weight.zero_()
            block.ff[2].bias.zero_()
    return block


def test_block_has_the_documented_layers(classifier, attention):
    """attention, norm1, norm2, ff = Linear(k, 4k), ReLU, Linear(4k, k), dropout."""
    block = classifier.TransformerBlock(8, heads=2)
    assert isinstance(block.attention, attention.SelfAttention), "self.attention should be a SelfAttention(k, heads)"
    for name in ("norm1", "norm2"):
        assert isinstance(getattr(block, name, None), torch.nn.LayerNorm), f"self.{name} should be an nn.LayerNorm(k)"
    layers = [type(layer) for layer in block.ff]
    assert layers == [torch.nn.Linear, torch.nn.ReLU, torch.nn.Linear], f"self.ff should be Linear, ReLU, Linear; got {layers}"
    assert tuple(block.ff[0].weight.shape) == (32, 8), "the first ff layer maps k=8 to ff_mult*k=32 features"
    assert isinstance(block.dropout, torch.nn.Dropout), "self.dropout should be an nn.Dropout"


def test_block_keeps_the_shape(classifier, seeded):
    """(batch, T, k) in, (batch, T, k) out."""
    out = classifier.TransformerBlock(8, heads=2)(torch.randn(3, 4, 8, generator=seeded))
    assert tuple(out.shape) == (3, 4, 8), f"expected (3, 4, 8), got {tuple(out.shape)}"


def test_block_adds_its_branches_to_the_input(classifier, seeded):
    """With both branches silenced the block is the identity: x + 0 + 0."""
    block = silence_branches(classifier.TransformerBlock(8, heads=2))
    x = torch.randn(2, 4, 8, generator=seeded)
    expect_close(block(x), x, "a block adds to its input (x = x + ...): residual connections, not replacements")


def test_block_normalises_before_attention(classifier, seeded):
    """Pre-norm: scaling x scales the skip path only, because attention sees norm1(x)."""
    block = silence_branches(classifier.TransformerBlock(8, heads=2), attention=False)
    x = torch.randn(2, 4, 8, generator=seeded)
    expect_close(
        block(5 * x) - 5 * x, block(x) - x,
        "the attention branch should see norm1(x), and x itself is added back unnormalised (pre-norm)",
        atol=1e-4, rtol=1e-4,
    )


def test_classifier_has_the_documented_layers(classifier, positional):
    """token_embedding (padding_idx=pad_id), position, blocks, norm, head."""
    model = classifier.TransformerClassifier(vocab_size=20, k=8, heads=2, depth=3, max_len=6, num_classes=3, pad_id=1)
    assert isinstance(model.token_embedding, torch.nn.Embedding) and tuple(model.token_embedding.weight.shape) == (20, 8), "token_embedding should be nn.Embedding(vocab_size, k)"
    assert model.token_embedding.padding_idx == 1, "token_embedding should have padding_idx=pad_id"
    assert isinstance(model.position, positional.PositionalEmbedding), "position should be a PositionalEmbedding(max_len, k)"
    assert isinstance(model.blocks, torch.nn.ModuleList) and len(model.blocks) == 3, "blocks should be an nn.ModuleList of depth blocks"
    assert isinstance(model.norm, torch.nn.LayerNorm), "norm should be an nn.LayerNorm(k)"
    assert isinstance(model.head, torch.nn.Linear) and tuple(model.head.weight.shape) == (3, 8), "head should be nn.Linear(k, num_classes)"


def test_classifier_returns_one_logit_per_class(classifier):
    """ids (batch, T) give logits (batch, num_classes), not probabilities."""
    torch.manual_seed(0)
    model = classifier.TransformerClassifier(vocab_size=20, k=8, heads=2, depth=1, max_len=6, num_classes=3).eval()
    logits = model(torch.tensor([[3, 4, 5, 0], [6, 7, 0, 0]]))
    assert tuple(logits.shape) == (2, 3), f"expected (batch, num_classes) = (2, 3), got {tuple(logits.shape)}"
    assert not torch.allclose(logits.sum(-1), torch.ones(2)), "return logits; the loss applies the softmax itself"


def test_logits_do_not_depend_on_how_much_padding_a_review_has(model):
    """A review gets the same logits alone or padded to a longer batch."""
    alone = model(torch.tensor([[3, 4, 5]]))
    padded = model(torch.tensor([[3, 4, 5, 0, 0, 0], [7, 8, 9, 10, 11, 12]]))[:1]
    expect_close(padded, alone, "padding changed the logits: pass the mask to every block, and pool over real tokens only")


def test_logits_do_not_depend_on_the_padding_vector(model):
    """Whatever vector <pad> has, the logits of a padded batch stay the same."""
    ids = torch.tensor([[3, 4, 5, 0, 0], [6, 0, 0, 0, 0]])
    before = model(ids)
    with torch.no_grad():
        model.token_embedding.weight[0] += 3.0
    expect_close(model(ids), before, "the padding positions leak into the result: mask them as keys and in the pooling")


def test_max_pooling_ignores_padding(classifier):
    """pool="max" also pools over real tokens only."""
    torch.manual_seed(0)
    model = classifier.TransformerClassifier(vocab_size=20, k=8, heads=2, depth=1, max_len=6, pool="max").eval()
    alone = model(torch.tensor([[3, 4, 5]]))
    expect_close(model(torch.tensor([[3, 4, 5, 0, 0]])), alone, "max pooling must skip padded positions")


def test_all_padding_review_gives_finite_logits(model):
    """A review of padding only pools to zeros: finite logits, no NaN."""
    logits = model(torch.tensor([[0, 0, 0], [3, 4, 0]]))
    assert torch.isfinite(logits).all(), "an all-padding review gave NaN or inf: divide by max(count, 1) when pooling"


def test_gradients_reach_every_parameter(classifier):
    """One backward pass gives every parameter a gradient."""
    torch.manual_seed(0)
    model = classifier.TransformerClassifier(vocab_size=20, k=8, heads=2, depth=2, max_len=6)
    logits = model(torch.tensor([[3, 4, 5, 0], [6, 7, 8, 9]]))
    torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1])).backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing, f"no gradient reached {missing}: is every layer used in forward?"


def test_rejects_an_unknown_pooling(classifier):
    """pool must be "mean" or "max"."""
    with must_raise(ValueError, 'TransformerClassifier(..., pool="sum")'):
        classifier.TransformerClassifier(vocab_size=20, k=8, heads=2, depth=1, max_len=6, pool="sum")


def test_eval_mode_turns_dropout_off(classifier):
    """In eval mode a model with dropout gives the same logits twice."""
    torch.manual_seed(0)
    model = classifier.TransformerClassifier(vocab_size=20, k=8, heads=2, depth=1, max_len=6, dropout=0.5).eval()
    ids = torch.tensor([[3, 4, 5, 0], [6, 7, 0, 0]])
    expect_close(model(ids), model(ids), "dropout is still on in eval mode: use nn.Dropout modules (or F.dropout with training=self.training)")
