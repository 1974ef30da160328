"""The benchmark report: ablation rows run with other defaults are flagged, and the noise rows give the spread."""

from __future__ import annotations

from dataclasses import asdict

from benchmarks.run import outdated, render_markdown
from solutions.train import Config


def _row(test_accuracy: float = 0.88, **changes: object) -> dict:
    config = {**asdict(Config()), **changes}
    machine = {"cores": 2, "cpu": "cpu", "torch": "2", "threads": 1, "python": "3"}
    return dict(command="python -m solutions.train", test_accuracy=test_accuracy, val_accuracy=0.89, best_epoch=4, total_seconds=400.0,
                peak_memory_mb=1400.0, measured="2026-11-25", machine=machine, config=config)


def test_a_row_differing_only_in_its_own_flags_is_current():
    """An ablation that changes just its own flag (and the thread count) is not outdated."""
    assert outdated(_row(pool="max", threads=1), _row(), ["--pool", "max"]) == []


def test_a_row_run_with_older_defaults_names_the_settings_that_changed():
    """An ablation whose other settings differ from the defaults' run lists them."""
    assert outdated(_row(pool="max", epochs=Config().epochs + 1, k=Config().k * 2), _row(), ["--pool", "max"]) == ["epochs", "k"]


def test_the_report_marks_a_stale_ablation_row():
    """RESULTS.md says which row is stale and how to re-run it."""
    text = render_markdown({"defaults": _row(), "pool-max": _row(pool="max", epochs=Config().epochs + 1), "depth-2": _row(depth=2)})
    stale = [line for line in text.splitlines() if "**stale**" in line]
    assert len(stale) == 1 and "epochs" in stale[0] and "--only pool-max" in stale[0]


def test_the_report_gives_the_spread_of_the_noise_rows():
    """The defaults and their re-runs give the range under which differences are noise."""
    text = render_markdown({"defaults": _row(test_accuracy=0.88), "seed-1": _row(seed=1, test_accuracy=0.89), "threads-1": _row(threads=1, test_accuracy=0.87)})
    assert "scored 0.8700 to 0.8900 (mean 0.8800)" in text


def test_the_spread_leaves_out_noise_rows_run_with_older_defaults():
    """A seed row trained with other settings than the defaults' run does not count towards their spread."""
    text = render_markdown({"defaults": _row(test_accuracy=0.88), "seed-1": _row(seed=1, test_accuracy=0.89),
                            "seed-2": _row(seed=2, lr=Config().lr / 2, test_accuracy=0.80)})
    assert "run 2 times (the noise rows), scored 0.8800 to 0.8900 (mean 0.8850)" in text
