"""Classify reviews with a model written by ``solutions.train``.

    python -m solutions.predict --model runs/imdb "A wonderful, moving film." "Dull and far too long."

prints one line per review: the label, its probability, and the review.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import torch

from .classifier import TransformerClassifier
from .data import LABELS
from .padding import pad_sequences
from .train import Config, build_model, encode
from .vocab import PAD_ID, Vocab, tokenize

NAMES = {"neg": "negative", "pos": "positive"}


def load_model(model_dir: str | Path) -> tuple[TransformerClassifier, Vocab, Config]:
    """The trained model, its vocabulary and its training config, from ``model_dir``.

    Raises:
        FileNotFoundError: if ``model.pt`` or ``vocab.txt`` is missing.
    """
    model_dir = Path(model_dir)
    for name in ("model.pt", "vocab.txt"):
        if not (model_dir / name).is_file():
            raise FileNotFoundError(f"{model_dir / name} not found: --model must be a folder written by `python -m solutions.train --out`")
    checkpoint = torch.load(model_dir / "model.pt", map_location="cpu", weights_only=True)
    cfg = Config(**checkpoint["config"])
    vocab = Vocab((model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines())
    model = build_model(cfg, len(vocab))
    model.load_state_dict(checkpoint["state_dict"])
    return model.eval(), vocab, cfg


@torch.no_grad()
def predict(model: TransformerClassifier, vocab: Vocab, cfg: Config, texts: Sequence[str]) -> list[tuple[str, float]]:
    """``(label, probability)`` for each review; the label is ``"neg"`` or ``"pos"``."""
    ids = pad_sequences(encode([tokenize(t) for t in texts], vocab, cfg.max_len, cfg.truncate), pad_id=PAD_ID)  # (batch, T)
    probs = model(ids).softmax(dim=-1)  # (batch, 2)
    best = probs.argmax(dim=-1)
    return [(LABELS[i], probs[row, i].item()) for row, i in enumerate(best.tolist())]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m solutions.predict", description="Classify movie reviews as positive or negative.")
    parser.add_argument("--model", required=True, help="folder written by solutions.train (model.pt, vocab.txt)")
    parser.add_argument("reviews", nargs="+", help="review texts; '-' reads one review per line from stdin")
    args = parser.parse_args(argv)
    texts = [line for line in sys.stdin.read().splitlines() if line.strip()] if args.reviews == ["-"] else args.reviews
    empty = [str(i) for i, text in enumerate(texts, 1) if not text.strip()]
    if not texts or empty:
        parser.error(f"review {', '.join(empty)} is empty: give the text of each review" if empty else "no review on stdin")
    try:
        model, vocab, cfg = load_model(args.model)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    for text, (label, prob) in zip(texts, predict(model, vocab, cfg, texts)):
        excerpt = text if len(text) <= 60 else text[:57] + "..."
        print(f"{NAMES[label]:8}  {prob:.3f}  {excerpt}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
