"""Train the ``TransformerClassifier`` of this package on IMDB.

    python -m solutions.train [--data-dir DIR] [--out DIR] [--preset NAME] [flags]   # the reference
    python -m exercises.train [...]                                                  # your classes

This module is written once, in ``solutions/``, and copied as it is into
``exercises/`` by ``python -m grader build``: its relative imports make
``solutions.train`` train the reference and ``exercises.train`` train the
learner's own tokenizer, vocabulary, padding and classifier, with the same
pipeline and the same defaults.

The pipeline: tokenize every review, hold out a validation split from the
training reviews, build the vocabulary on the rest, encode and truncate,
then train with AdamW (linear warm-up, cosine decay, gradient clipping; the
word vectors with a larger epsilon, so that rare words learn slowly) on
length-bucketed batches. The epoch with the best validation accuracy is kept
and evaluated once on the test split. ``--out`` receives ``model.pt``,
``vocab.txt``, ``metrics.json`` and ``curves.png``.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import platform
import resource
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F
from tqdm import tqdm

from .classifier import TransformerClassifier
from .data import DataNotFoundError, load_imdb
from .padding import pad_sequences
from .positional import sinusoidal_encoding
from .vocab import PAD_ID, Vocab, build_vocab, tokenize


def _flag(default, help: str, **choices):
    return field(default=default, metadata={"help": help, **choices})


@dataclass
class Config:
    """Every hyperparameter of a run; each one is a command-line flag."""

    data_dir: str | None = _flag(None, "folder of IMDB files (default: $IMDB_DIR, else the Hugging Face hub)")
    out: str = _flag("runs/imdb", "folder for the checkpoint, vocabulary, metrics and curves")
    # Text
    vocab_size: int = _flag(30000, "vocabulary size, <pad> and <unk> included")
    min_freq: int = _flag(2, "a word needs this many occurrences in the training reviews")
    max_len: int = _flag(512, "tokens kept per review")
    truncate: str = _flag("head+tail", "which tokens of a long review to keep: the first, the last, or the first quarter and the last three quarters", choices=("head", "tail", "head+tail"))
    val_fraction: float = _flag(0.1, "share of the training reviews held out for validation")
    # Model
    k: int = _flag(64, "embedding size")
    heads: int = _flag(1, "attention heads per block")
    depth: int = _flag(1, "Transformer blocks")
    pool: str = _flag("mean", "how token vectors become one review vector", choices=("mean", "max"))
    dropout: float = _flag(0.2, "dropout probability")
    embedding_std: float = _flag(0.0, "standard deviation of the initial word vectors (nn.Embedding's default is 1)")
    position_init: str = _flag("normal", "initial position vectors: random normal (nn.Embedding's default) or the sinusoidal encoding (the bonus exercise)", choices=("normal", "sinusoidal"))
    # Optimisation
    epochs: int = _flag(4, "passes over the training reviews")
    batch_size: int = _flag(32, "reviews per step")
    lr: float = _flag(4e-3, "peak learning rate of AdamW")
    embedding_eps: float = _flag(3e-5, "AdamW's epsilon for the word vectors: a word whose gradients are smaller than this (a rare word) takes smaller steps")
    weight_decay: float = _flag(0.05, "AdamW weight decay on the weight matrices")
    warmup: float = _flag(0.1, "share of the steps spent warming the learning rate up")
    clip: float = _flag(1.0, "gradient norm clipping threshold")
    # Machine
    seed: int = _flag(0, "random seed for the split, initialisation and batches")
    device: str = _flag("auto", "auto (CUDA when present), cpu or cuda")
    threads: int = _flag(0, "CPU threads for torch; 0 keeps torch's default")
    eval_batch_size: int = _flag(64, "reviews per step when evaluating")

    def __post_init__(self) -> None:
        """Refuse values no run can use, naming the flag, the value and what it accepts."""
        positive = (lambda v: v > 0, "positive")
        non_negative = (lambda v: v >= 0, "at least 0")
        fraction = (lambda v: 0 <= v < 1, "in [0, 1)")
        rules = dict(
            vocab_size=(lambda v: v >= 2, "at least 2 (room for <pad> and <unk>)"), min_freq=positive, max_len=positive,
            val_fraction=(lambda v: 0 < v < 1, "in (0, 1)"), k=positive, heads=positive, depth=positive,
            dropout=fraction, embedding_std=non_negative, epochs=positive, batch_size=positive,
            lr=positive, embedding_eps=positive, weight_decay=non_negative, warmup=fraction, clip=positive,
            threads=non_negative, eval_batch_size=positive,
        )
        for name, (ok, expected) in rules.items():
            if not ok(getattr(self, name)):
                raise ValueError(f"--{name.replace('_', '-')} must be {expected}, got {getattr(self, name)}")
        if self.k % self.heads:
            raise ValueError(f"--k ({self.k}) must be divisible by --heads ({self.heads}): each head gets k // heads features")


PRESETS: dict[str, dict[str, object]] = {
    # The hand-written sample in data/sample (70 reviews to fit, 18 to validate). The
    # defaults take 3 steps an epoch there, 12 in all, and learn nothing (50%): small
    # batches and 20 epochs give 180 steps, a small model and a strong weight decay keep
    # 70 reviews from being learnt by heart, so that the sentiment words they share decide.
    # Measured in benchmarks/RELEASE.md. Its model goes to runs/sample, apart from IMDB's.
    "sample": dict(
        k=16, heads=1, min_freq=1, max_len=256, epochs=20, batch_size=8, lr=1e-2, warmup=0.05, val_fraction=0.2,
        dropout=0.3, weight_decay=1.0, out="runs/sample",
    ),
    # A CUDA machine: a wider, deeper model on longer reviews.
    "gpu": dict(k=256, heads=8, depth=4, max_len=512, epochs=6, batch_size=64, lr=5e-4, dropout=0.2),
}


def parse_args(argv: Sequence[str] | None = None) -> Config:
    """Build a ``Config`` from the defaults, then ``--preset``, then explicit flags."""
    parser = argparse.ArgumentParser(prog=f"python -m {__package__}.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), help="a named set of defaults; explicit flags still win")
    for f in fields(Config):
        kind = {"int": int, "float": float}.get(str(f.type), str)
        parser.add_argument(
            "--" + f.name.replace("_", "-"),
            type=kind,
            default=None,
            choices=f.metadata.get("choices"),
            help=f"{f.metadata['help']} (default: {f.default})",
        )
    args = vars(parser.parse_args(argv))
    settings = dict(PRESETS.get(args.pop("preset") or "", {}))
    settings.update({name: value for name, value in args.items() if value is not None})
    try:
        return Config(**settings)
    except ValueError as error:
        parser.error(str(error))  # exits with status 2 and the usage line


def split_indices(n: int, val_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """A seeded random split of ``range(n)`` into (training, validation) indices."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    n_val = max(1, round(val_fraction * n))
    return order[n_val:], order[:n_val]


def tokenize_all(texts: Sequence[str], workers: int = 1) -> list[list[str]]:
    """``tokenize`` every text, in ``workers`` processes when there are many."""
    if workers <= 1 or len(texts) < 2000:
        return [tokenize(text) for text in texts]
    with multiprocessing.Pool(workers) as pool:
        return pool.map(tokenize, texts, chunksize=500)


def encode(token_lists: Sequence[Sequence[str]], vocab: Vocab, max_len: int, truncate: str = "tail") -> list[list[int]]:
    """Encode tokenized reviews, keeping at most ``max_len`` ids of each (``shorten`` says which)."""
    return [shorten(vocab.encode(tokens), max_len, truncate) for tokens in token_lists]


def shorten(seq: Sequence, max_len: int, truncate: str = "tail") -> list:
    """At most ``max_len`` items of ``seq`` (ids, or the tokens they encode), in order.

    ``truncate`` says which: the first items (``head``), the last (``tail``), or
    the first quarter and the last three quarters of the budget (``head+tail``).
    Reviews tend to end with the verdict ("... a waste of time, avoid"), so
    the end of a long review carries more signal than its opening.
    """
    seq = list(seq)
    if len(seq) <= max_len:
        return seq
    head = {"head": max_len, "tail": 0, "head+tail": max_len // 4}[truncate]
    return seq[:head] + seq[len(seq) - (max_len - head) :]


def bucket_batches(lengths: Sequence[int], batch_size: int, generator: torch.Generator | None = None) -> list[list[int]]:
    """Group indices into batches of similar length, so that little padding is computed.

    With a ``generator`` the indices are shuffled, sorted by length inside
    windows of 50 batches (so batches still differ from epoch to epoch) and
    the batches are shuffled; without one, batches follow the length order.
    """
    if generator is None:
        order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    else:
        shuffled = torch.randperm(len(lengths), generator=generator).tolist()
        window = 50 * batch_size
        order = []
        for start in range(0, len(shuffled), window):
            order += sorted(shuffled[start : start + window], key=lambda i: lengths[i])
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if generator is not None:
        batches = [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
    return batches


@torch.no_grad()
def evaluate(model: TransformerClassifier, seqs: list[list[int]], labels: list[int], batch_size: int, device: torch.device) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on encoded reviews."""
    model.eval()
    loss_sum, correct = 0.0, 0
    for batch in bucket_batches([len(s) for s in seqs], batch_size):
        ids = pad_sequences([seqs[i] for i in batch], pad_id=PAD_ID).to(device)  # (batch, T)
        y = torch.tensor([labels[i] for i in batch], device=device)  # (batch,)
        logits = model(ids)  # (batch, 2)
        loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(-1) == y).sum().item()
    return loss_sum / max(len(seqs), 1), correct / max(len(seqs), 1)


def build_model(cfg: Config, vocab_size: int) -> TransformerClassifier:
    """The classifier that ``cfg`` describes, for a vocabulary of ``vocab_size`` ids."""
    model = TransformerClassifier(
        vocab_size, cfg.k, cfg.heads, cfg.depth, cfg.max_len, pool=cfg.pool, dropout=cfg.dropout, pad_id=PAD_ID
    )
    with torch.no_grad():
        # Small initial word vectors make every word start out alike: a rare
        # word that training barely touches then adds little noise to the mean
        # over a review, much as an unused feature of a linear model weighs 0.
        model.token_embedding.weight.normal_(0.0, cfg.embedding_std)
        model.token_embedding.weight[PAD_ID] = 0.0
        if cfg.position_init == "sinusoidal":
            # Sines and cosines: neighbouring positions begin with similar vectors,
            # and PE[p] . PE[p + d] depends on the distance d alone.
            model.position.embedding.weight.copy_(sinusoidal_encoding(cfg.max_len, cfg.k))
    return model


def _optimizer(model: torch.nn.Module, cfg: Config) -> torch.optim.AdamW:
    # Decay the weight matrices only: shrinking biases and LayerNorm gains
    # towards zero regularises nothing useful (as in nanoGPT).
    words = model.token_embedding.weight
    params = [p for p in model.parameters() if p.requires_grad and p is not words]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        # Adam divides each step by the root mean square of recent gradients
        # (plus eps), so a word met in a handful of reviews moves as fast as
        # "the" and soon memorises those reviews. Its gradients are tiny
        # (about 1e-5, against 1e-3 for the commonest words): an eps above
        # them turns its steps into plain gradient steps, as small as its
        # evidence, while common words keep Adam's step size.
        {"params": [words], "weight_decay": cfg.weight_decay, "eps": cfg.embedding_eps},
    ]
    return torch.optim.AdamW(groups, lr=cfg.lr, fused=True)  # one kernel per step instead of ~10 per tensor


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


@dataclass
class Prepared:
    """Encoded reviews and labels of the three splits, and the vocabulary built on ``fit``."""

    vocab: Vocab
    fit: tuple[list[list[int]], list[int]]
    val: tuple[list[list[int]], list[int]]
    test: tuple[list[list[int]], list[int]]


def prepare(cfg: Config) -> Prepared:
    """Load, tokenize, split, build the vocabulary, encode and truncate."""
    imdb = load_imdb(cfg.data_dir)
    workers = cfg.threads if cfg.threads > 0 else torch.get_num_threads()
    train_tokens = tokenize_all(imdb["train"]["text"], workers)
    train_labels = list(imdb["train"]["label"])
    fit_idx, val_idx = split_indices(len(train_tokens), cfg.val_fraction, cfg.seed)
    # The vocabulary sees the training reviews only: words that occur only in
    # the validation or test reviews must become <unk>, as they would for new text.
    vocab = build_vocab((train_tokens[i] for i in fit_idx), max_size=cfg.vocab_size, min_freq=cfg.min_freq)

    def split(tokens: list[list[str]], labels: list[int]) -> tuple[list[list[int]], list[int]]:
        return encode(tokens, vocab, cfg.max_len, cfg.truncate), labels

    return Prepared(
        vocab,
        split([train_tokens[i] for i in fit_idx], [train_labels[i] for i in fit_idx]),
        split([train_tokens[i] for i in val_idx], [train_labels[i] for i in val_idx]),
        split(tokenize_all(imdb["test"]["text"], workers), list(imdb["test"]["label"])),
    )


def fit_model(cfg: Config, model: TransformerClassifier, data: Prepared, device: torch.device) -> tuple[dict, dict]:
    """Train for ``cfg.epochs``; return the best epoch on validation (with its weights) and the history."""
    optimizer = _optimizer(model, cfg)
    steps_per_epoch = math.ceil(len(data.fit[0]) / cfg.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(  # linear warm-up, then cosine decay to ~0
        optimizer, max_lr=cfg.lr, total_steps=cfg.epochs * steps_per_epoch,
        pct_start=cfg.warmup, anneal_strategy="cos", cycle_momentum=False,
    )
    history: dict = {"step_loss": [], "epochs": []}
    best: dict = {"val_accuracy": -1.0}
    batch_gen = torch.Generator().manual_seed(cfg.seed + 1)
    lengths = [len(s) for s in data.fit[0]]
    started = time.perf_counter()
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        seen = correct = 0
        loss_sum = 0.0
        bar = tqdm(bucket_batches(lengths, cfg.batch_size, batch_gen), desc=f"epoch {epoch}/{cfg.epochs}", unit="batch", mininterval=1.0, leave=False, disable=None)
        for batch in bar:
            ids = pad_sequences([data.fit[0][i] for i in batch], pad_id=PAD_ID).to(device)  # (batch, T)
            y = torch.tensor([data.fit[1][i] for i in batch], device=device)  # (batch,)
            logits = model(ids)  # (batch, 2)
            loss = F.cross_entropy(logits, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            optimizer.step()
            schedule.step()
            history["step_loss"].append(loss.item())
            seen += len(batch)
            loss_sum += loss.item() * len(batch)
            correct += (logits.argmax(-1) == y).sum().item()
            bar.set_postfix(loss=f"{loss_sum / seen:.3f}", acc=f"{correct / seen:.3f}")
        val_loss, val_acc = evaluate(model, *data.val, cfg.eval_batch_size, device)
        row = dict(epoch=epoch, train_loss=loss_sum / seen, train_accuracy=correct / seen, val_loss=val_loss, val_accuracy=val_acc, seconds=time.perf_counter() - started)
        history["epochs"].append(row)
        print(f"epoch {epoch}/{cfg.epochs}: train loss {row['train_loss']:.3f} acc {row['train_accuracy']:.3f} | val loss {val_loss:.3f} acc {val_acc:.3f} | {row['seconds']:.0f}s", flush=True)
        if val_acc > best["val_accuracy"]:
            best = dict(val_accuracy=val_acc, epoch=epoch, state={n: t.detach().clone() for n, t in model.state_dict().items()})
    return best, history


def train(cfg: Config) -> dict:
    """Run the whole pipeline; write the artefacts to ``cfg.out`` and return the metrics."""
    started = time.perf_counter()
    torch.manual_seed(cfg.seed)
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    device = _device(cfg.device)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    data = prepare(cfg)
    prepared = time.perf_counter()
    model = build_model(cfg, len(data.vocab)).to(device)
    best, history = fit_model(cfg, model, data, device)
    trained = time.perf_counter()
    # The test split is used exactly once, with the epoch chosen on validation.
    model.load_state_dict(best["state"])
    test_loss, test_acc = evaluate(model, *data.test, cfg.eval_batch_size, device)
    metrics = dict(
        test_accuracy=test_acc, test_loss=test_loss, val_accuracy=best["val_accuracy"], best_epoch=best["epoch"],
        prepare_seconds=prepared - started, train_seconds=trained - prepared, total_seconds=time.perf_counter() - started,
        peak_memory_mb=peak_memory_mb(), vocab_size=len(data.vocab), parameters=sum(p.numel() for p in model.parameters()),
        train_reviews=len(data.fit[0]), val_reviews=len(data.val[0]), test_reviews=len(data.test[0]),
        machine=_machine(device), config=asdict(cfg), history=history["epochs"],
    )
    _save(out, model, data.vocab, cfg, metrics, history)
    return metrics


def peak_memory_mb() -> float:
    """The most memory this process has held so far, in MB."""
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1 / 1024**2 if sys.platform == "darwin" else 1 / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _machine(device: torch.device) -> dict:
    return dict(
        device=str(device), cuda=torch.cuda.get_device_name(0) if device.type == "cuda" else None,
        cpu=platform.processor() or platform.machine(), threads=torch.get_num_threads(),
        torch=torch.__version__, python=platform.python_version(),
    )


def _save(out: Path, model: TransformerClassifier, vocab: Vocab, cfg: Config, metrics: dict, history: dict) -> None:
    torch.save({"config": asdict(cfg), "vocab_size": len(vocab), "state_dict": model.state_dict()}, out / "model.pt")
    (out / "vocab.txt").write_text("\n".join(vocab.itos) + "\n", encoding="utf-8")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    plot_curves(history, out / "curves.png")


def plot_curves(history: dict, path: Path) -> None:
    """Training loss per step, validation loss and accuracy per epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    epochs = history["epochs"]
    steps_per_epoch = len(history["step_loss"]) / max(len(epochs), 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(range(1, len(history["step_loss"]) + 1), history["step_loss"], alpha=0.3, label="train (per step)")
    x = [row["epoch"] * steps_per_epoch for row in epochs]
    ax_loss.plot(x, [row["train_loss"] for row in epochs], "o-", label="train (epoch mean)")
    ax_loss.plot(x, [row["val_loss"] for row in epochs], "o-", label="validation")
    ax_loss.set(xlabel="step", ylabel="cross-entropy", title="Loss")
    ax_loss.legend()
    ax_acc.plot([row["epoch"] for row in epochs], [row["train_accuracy"] for row in epochs], "o-", label="train")
    ax_acc.plot([row["epoch"] for row in epochs], [row["val_accuracy"] for row in epochs], "o-", label="validation")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    ax_acc.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers: no tick at 2.5
    ax_acc.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def summary(metrics: dict, out: str) -> str:
    """The one-screen report printed at the end of a run."""
    cfg, machine = metrics["config"], metrics["machine"]
    return "\n".join([
        "",
        f"IMDB sentiment, TransformerClassifier (k={cfg['k']}, heads={cfg['heads']}, depth={cfg['depth']}, "
        f"pool={cfg['pool']}, {metrics['parameters']:,} parameters)",
        f"  reviews      {metrics['train_reviews']:,} train / {metrics['val_reviews']:,} validation / {metrics['test_reviews']:,} test, "
        f"{cfg['truncate']} {cfg['max_len']} tokens, vocabulary {metrics['vocab_size']:,}",
        f"  validation   accuracy {metrics['val_accuracy']:.4f} (best epoch {metrics['best_epoch']} of {cfg['epochs']})",
        f"  test         accuracy {metrics['test_accuracy']:.4f}, loss {metrics['test_loss']:.4f}",
        f"  time         {metrics['total_seconds']:.0f} s in all: {metrics['prepare_seconds']:.0f} s preparing, "
        f"{metrics['train_seconds']:.0f} s training, peak memory {metrics['peak_memory_mb']:.0f} MB",
        f"  machine      {machine['device']}, {machine['threads']} threads, torch {machine['torch']}",
        f"  written to   {out}/: model.pt, vocab.txt, metrics.json, curves.png",
    ])


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_args(argv)
    try:
        metrics = train(cfg)
    except DataNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    except NotImplementedError as error:  # exercises.train before the exercises are done
        print(f"{error}\nFinish the exercises first: pytest exercises", file=sys.stderr)
        return 2
    print(summary(metrics, cfg.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
