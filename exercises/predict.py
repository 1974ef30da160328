"""Classify reviews with a model written by this package's ``train``.

    python -m solutions.predict --model runs/imdb "A wonderful, moving film." "Dull and far too long."
    python -m exercises.predict --model runs/sample --explain "A wonderful, moving film."

prints one line per review: the label, its probability, and the review. With
``--explain``, also the words the model attended to most, and a heatmap of
its attention weights per review (``attention-1.png``, ...; see ``explain``).
Written once in ``solutions/`` and copied as it is into ``exercises/``, like ``train``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path
from typing import Sequence

import torch

from .classifier import TransformerClassifier
from .data import LABEL_NAMES, LABELS
from .explain import describe, explain, plot_attention
from .padding import pad_sequences
from .train import Config, build_model, encode
from .vocab import PAD_ID, Vocab, tokenize

def load_model(model_dir: str | Path) -> tuple[TransformerClassifier, Vocab, Config]:
    """The trained model, its vocabulary and its training config, from ``model_dir``.

    Raises:
        FileNotFoundError: if ``model.pt`` or ``vocab.txt`` is missing.
    """
    model_dir = Path(model_dir)
    for name in ("model.pt", "vocab.txt"):
        if not (model_dir / name).is_file():
            raise FileNotFoundError(f"{model_dir / name} not found: --model must be a folder written by `python -m {__package__}.train --out`")
    checkpoint = torch.load(model_dir / "model.pt", map_location="cpu", weights_only=True)
    # Settings a later version dropped (such as the old --impl) are ignored.
    cfg = Config(**{f.name: checkpoint["config"][f.name] for f in fields(Config) if f.name in checkpoint["config"]})
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
    parser = argparse.ArgumentParser(prog=f"python -m {__package__}.predict", description="Classify movie reviews as positive or negative.")
    parser.add_argument("--model", required=True, help=f"folder written by {__package__}.train (model.pt, vocab.txt)")
    parser.add_argument("--explain", action="store_true", help="also print the words each review's attention went to, and draw its weights")
    parser.add_argument("--figures", help="folder for the --explain heatmaps, attention-1.png, ... (default: the --model folder)")
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
    if args.explain:
        try:
            explain_all(model, vocab, cfg, texts, Path(args.figures or args.model))
        except ValueError as error:  # a review without a single token
            print(error, file=sys.stderr)
            return 2
        return 0
    for text, (label, prob) in zip(texts, predict(model, vocab, cfg, texts)):
        excerpt = text if len(text) <= 60 else text[:57] + "..."
        print(f"{LABEL_NAMES[label]:8}  {prob:.3f}  {excerpt}")
    return 0


def explain_all(model: TransformerClassifier, vocab: Vocab, cfg: Config, texts: Sequence[str], figures: Path) -> None:
    """For each review: its prediction, the words attended to most, and a heatmap in ``figures``."""
    figures.mkdir(parents=True, exist_ok=True)
    for number, text in enumerate(texts, 1):
        explanation = explain(model, vocab, text, heads=cfg.heads, max_len=cfg.max_len, truncate=cfg.truncate)
        path = figures / f"attention-{number}.png"
        plot_attention(explanation, path)
        print(f"{describe(explanation)}\n          heatmap: {path}")


if __name__ == "__main__":
    sys.exit(main())
