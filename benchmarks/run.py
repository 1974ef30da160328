"""Benchmark: the reference training with its defaults, the TF-IDF baseline, and the ablations.

    python -m benchmarks.run --data-dir DIR                  # defaults + baseline
    python -m benchmarks.run --data-dir DIR --ablations      # and every ablation and noise row
    python -m benchmarks.run --data-dir DIR --only max-len-256
    python -m benchmarks.run --data-dir DIR --only gpu         # --preset gpu, on a CUDA machine

Each row is a real run of its own process on the same split (the training's
seeded validation hold-out; the noise rows change the seed, and so the split,
on purpose): ``python -m solutions.train`` with the row's
flags, or ``python -m benchmarks.baseline``. Results are kept per row in
``benchmarks/results.json`` (so rows can be re-run one at a time), and
``benchmarks/RESULTS.md`` is rewritten from it.
"""

from __future__ import annotations

import argparse
import datetime
import fcntl
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "RESULTS.md"

# name: (flags added to the defaults, what the row shows)
ROWS: dict[str, tuple[list[str], str]] = {
    "defaults": ([], "the defaults of `python -m solutions.train`"),
    "truncate-tail": (["--truncate", "tail"], "keep the end of long reviews (the last 512 tokens)"),
    "truncate-head": (["--truncate", "head"], "keep the start of long reviews (the first 512 tokens)"),
    "max-len-256": (["--max-len", "256"], "half the length budget"),
    "pool-max": (["--pool", "max"], "max pooling instead of mean"),
    "depth-2": (["--depth", "2"], "two blocks"),
    "k-128": (["--k", "128"], "twice the width"),
    "embedding-std-1": (["--embedding-std", "1.0"], "nn.Embedding's default initialisation of the word vectors (std 1)"),
    "embedding-eps-adam": (["--embedding-eps", "1e-8"], "AdamW's default epsilon (1e-8) for the word vectors too"),
}
# Not ablations: the defaults again with another seed (split, initialisation and
# batch order) or thread count, which show how far one run is from the next.
NOISE_ROWS: dict[str, tuple[list[str], str]] = {
    "seed-1": (["--seed", "1"], "noise: another seed"),
    "seed-2": (["--seed", "2"], "noise: a third seed"),
    "threads-1": (["--threads", "1"], "noise: the defaults on 1 thread (a different order of float additions)"),
}
ROWS.update(NOISE_ROWS)


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    import torch

    return {"cores": os.cpu_count(), "cpu": model, "torch": torch.__version__, "threads": torch.get_num_threads(), "python": platform.python_version()}


def run_training(flags: list[str], data_dir: str | None, threads: int) -> dict:
    flags = [*flags, *(["--threads", str(threads)] if threads and "--threads" not in flags else [])]
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "solutions.train", "--out", out, *(["--data-dir", data_dir] if data_dir else []), *flags]
        subprocess.run(command, check=True)
        metrics = json.loads((Path(out) / "metrics.json").read_text())
    keep = ("test_accuracy", "val_accuracy", "best_epoch", "total_seconds", "train_seconds", "prepare_seconds", "peak_memory_mb", "parameters", "vocab_size", "machine", "config")
    return {"command": " ".join(["python -m solutions.train", *flags]), **{k: metrics[k] for k in keep}}


def run_baseline(data_dir: str | None) -> dict:
    with tempfile.TemporaryDirectory() as out:
        target = Path(out) / "baseline.json"
        subprocess.run([sys.executable, "-m", "benchmarks.baseline", "--out", str(target), *(["--data-dir", data_dir] if data_dir else [])], check=True)
        return {"command": "python -m benchmarks.baseline", **json.loads(target.read_text())}


def outdated(row: dict, defaults: dict, flags: list[str]) -> list[str]:
    """The settings, other than the row's own flags, in which ``row`` differs from the defaults' run."""
    own = {flag.lstrip("-").replace("-", "_") for flag in flags[::2]} | {"out", "data_dir", "threads"}
    return sorted(name for name, value in defaults["config"].items() if name not in own and row["config"].get(name) != value)


def noise_line(results: dict) -> str:
    """The spread of the defaults' test accuracy over the current noise rows, or what to run to get it."""
    defaults = results.get("defaults")
    # A noise row run with older defaults measures another configuration: leave it out.
    runs = [defaults["test_accuracy"]] if defaults else []
    runs += [results[name]["test_accuracy"] for name, (flags, _) in NOISE_ROWS.items()
             if defaults and name in results and not outdated(results[name], defaults, flags)]
    if len(runs) < 2:
        return "Run the noise rows (`--only seed-1`, ...) to see how far one run is from the next."
    return (f"The defaults, run {len(runs)} times (the noise rows), scored {min(runs):.4f} to {max(runs):.4f} "
            f"(mean {sum(runs) / len(runs):.4f}): a difference smaller than that spread is noise.")


def render_markdown(results: dict) -> str:
    """RESULTS.md from the rows of results.json."""
    lines = ["# Benchmarks", "", "Reproduce: `python -m benchmarks.run --data-dir DIR --ablations` (IMDB, 25,000 train / 25,000 test reviews).", ""]
    if "baseline" in results:
        m = results["baseline"]["machine"]
        threads = results["defaults"]["machine"]["threads"] if "defaults" in results else m["threads"]
        lines += [f"Machine: {m['cores']} cores, {m['cpu']}, torch {m['torch']}, {threads} threads for the defaults, Python {m['python']}.", ""]
    lines += ["## Reference training and baseline", "", "| run | test accuracy | val accuracy | wall time | peak memory | measured |", "|---|---|---|---|---|---|"]
    for name in ("defaults", "baseline"):
        if name in results:
            r = results[name]
            lines.append(f"| {name} (`{r['command']}`) | {r['test_accuracy']:.4f} | {r['val_accuracy']:.4f} | {r['total_seconds']:.0f} s | {r['peak_memory_mb']:.0f} MB | {r['measured']} |")
    lines += ["", "The baseline is TF-IDF of word unigrams and bigrams with logistic regression (C chosen on validation), on the same split.", ""]
    lines += ["## Ablations", "", "Each row changes one thing from the defaults; every row is its own real run, on the same split and seed (but for the noise rows).",
              "Rows with 1 thread ran two at a time on the 2 cores: compare their accuracies with the defaults, not their times.",
              noise_line(results), "",
              "| change | flags | test accuracy | val accuracy | best epoch | wall time | threads | peak memory |", "|---|---|---|---|---|---|---|---|"]
    for name, (flags, what) in ROWS.items():
        if name in results and name != "defaults":
            r = results[name]
            differs = outdated(r, results["defaults"], flags) if "defaults" in results else []
            # A row run before the defaults changed compares two changes at once; say so until it is re-run.
            what += f" (**stale**: also differs in {', '.join(differs)}; re-run with `--only {name}`)" if differs else ""
            lines.append(f"| {what} | `{' '.join(flags)}` | {r['test_accuracy']:.4f} | {r['val_accuracy']:.4f} | {r['best_epoch']} | {r['total_seconds']:.0f} s | {r['machine']['threads']} | {r['peak_memory_mb']:.0f} MB |")
    gpu = results.get("gpu")
    lines += ["", "## GPU preset", ""]
    lines += [f"`--preset gpu` on {gpu['machine']['cuda']}: test accuracy {gpu['test_accuracy']:.4f} in {gpu['total_seconds']:.0f} s."] if gpu else ["`--preset gpu` has not been measured on a CUDA machine yet; no figure is claimed for it. On one: `python -m benchmarks.run --data-dir DIR --only gpu`."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None, help="IMDB folder (default: $IMDB_DIR, else the hub)")
    parser.add_argument("--ablations", action="store_true", help="also run every ablation and noise row")
    parser.add_argument("--only", choices=[*ROWS, "baseline", "gpu"], help="run this row alone (gpu: `--preset gpu`, on a CUDA machine)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads per training run (0: torch's default); the row records it")
    args = parser.parse_args()
    names = [args.only] if args.only else ["defaults", "baseline", *([n for n in ROWS if n != "defaults"] if args.ablations else [])]
    for name in names:
        if name == "baseline":
            row = {**run_baseline(args.data_dir), "machine": machine()}
        else:
            row = run_training(["--preset", "gpu", "--device", "cuda"] if name == "gpu" else ROWS[name][0], args.data_dir, args.threads)
        row["measured"] = datetime.date.today().isoformat()
        save_row(name, row)
    print(RESULTS_MD.read_text())


def save_row(name: str, row: dict) -> None:
    """Add one row to results.json and rewrite RESULTS.md, under a lock: rows may be run in parallel."""
    with open(HERE / ".results.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        results = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
        results[name] = row
        RESULTS_JSON.write_text(json.dumps(results, indent=2) + "\n")
        RESULTS_MD.write_text(render_markdown(results))


if __name__ == "__main__":
    main()
