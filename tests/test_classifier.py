"""Transformer block and classifier of the reference (solutions/classifier.py)."""

import pytest
import torch
from torch.testing import assert_close

from solutions.classifier import TransformerBlock, TransformerClassifier


def make(**overrides) -> TransformerClassifier:
    torch.manual_seed(0)
    settings = dict(vocab_size=30, k=8, heads=2, depth=2, max_len=10)
    return TransformerClassifier(**{**settings, **overrides}).eval()


def test_state_dict_has_the_documented_layout():
    """The parameter names and shapes graders load into learners' modules."""
    shapes = {name: tuple(t.shape) for name, t in make(depth=1).state_dict().items()}
    assert shapes == {
        "token_embedding.weight": (30, 8),
        "position.embedding.weight": (10, 8),
        "blocks.0.attention.to_queries.weight": (8, 8),
        "blocks.0.attention.to_keys.weight": (8, 8),
        "blocks.0.attention.to_values.weight": (8, 8),
        "blocks.0.attention.unify_heads.weight": (8, 8),
        "blocks.0.attention.unify_heads.bias": (8,),
        "blocks.0.norm1.weight": (8,), "blocks.0.norm1.bias": (8,),
        "blocks.0.norm2.weight": (8,), "blocks.0.norm2.bias": (8,),
        "blocks.0.ff.0.weight": (32, 8), "blocks.0.ff.0.bias": (32,),
        "blocks.0.ff.2.weight": (8, 32), "blocks.0.ff.2.bias": (8,),
        "norm.weight": (8,), "norm.bias": (8,),
        "head.weight": (2, 8), "head.bias": (2,),
    }


@pytest.mark.parametrize("pool", ["mean", "max"])
@pytest.mark.parametrize("pad_id", [0, 3])
def test_ids_at_padded_positions_never_change_the_logits(pool, pad_id, gen):
    """Extra padding, and any vector for the pad id, leave every review's logits as they were."""
    model = make(pool=pool, pad_id=pad_id)
    ids = torch.randint(4, 30, (3, 6), generator=gen)
    ids[0, 4:] = pad_id
    ids[1, 2:] = pad_id
    logits = model(ids)
    more_padding = torch.cat([ids, torch.full((3, 4), pad_id)], dim=1)
    assert_close(model(more_padding), logits)
    with torch.no_grad():
        model.token_embedding.weight[pad_id] = 5.0
    assert_close(model(ids), logits)
    assert_close(model(ids[1:2, :2]), logits[1:2])


def test_all_padding_rows_pool_to_zeros_and_give_finite_gradients():
    """A review of padding only gets the head's bias as logits, and training on it is NaN-free."""
    for pool in ("mean", "max"):
        model = make(pool=pool).train()
        logits = model(torch.zeros(2, 4, dtype=torch.long))
        assert_close(logits, model.head.bias.expand(2, 2))
        logits.sum().backward()
        assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_gradients_reach_every_parameter(gen):
    """A backward pass through mean or max pooling gives every parameter a non-zero gradient."""
    for pool in ("mean", "max"):
        model = make(pool=pool, dropout=0.1).train()
        ids = torch.randint(1, 30, (4, 7), generator=gen)
        torch.nn.functional.cross_entropy(model(ids), torch.tensor([0, 1, 1, 0])).backward()
        assert [n for n, p in model.named_parameters() if p.grad is None or p.grad.abs().sum() == 0] == []


def test_block_is_pre_norm_residual(gen):
    """block(x) = h + ff(norm2(h)) with h = x + attention(norm1(x), mask)."""
    torch.manual_seed(0)
    block = TransformerBlock(8, heads=2).eval()
    x = torch.randn(2, 5, 8, generator=gen)
    mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    h = x + block.attention(block.norm1(x), mask)
    assert_close(block(x, mask), h + block.ff(block.norm2(h)))


def test_dropout_is_active_in_training_only(gen):
    """With dropout, train mode is random and eval mode is deterministic."""
    model = make(dropout=0.5)
    ids = torch.randint(1, 30, (2, 6), generator=gen)
    assert_close(model(ids), model(ids))
    model.train()
    assert not torch.allclose(model(ids), model(ids))


@pytest.mark.parametrize(("overrides", "error", "pattern"), [
    ({"pool": "sum"}, ValueError, "pool must be one of"),
    ({"dropout": 1.0}, ValueError, "dropout"),
    ({"pad_id": 30}, ValueError, "pad_id=30"),
    ({"depth": 0}, ValueError, "depth"),
    ({"num_classes": 1}, ValueError, "num_classes"),
    ({"heads": 3}, ValueError, "heads=3"),
])
def test_classifier_rejects_bad_settings(overrides, error, pattern):
    """Impossible settings are errors that name the setting."""
    with pytest.raises(error, match=pattern):
        make(**overrides)


def test_classifier_rejects_bad_ids():
    """Float ids, 1-D ids and reviews longer than max_len are errors."""
    model = make()
    with pytest.raises(TypeError, match="integer"):
        model(torch.zeros(1, 3))
    with pytest.raises(ValueError, match=r"\(batch, T\)"):
        model(torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="max_len"):
        model(torch.ones(1, 11, dtype=torch.long))
