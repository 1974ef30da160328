"""The benchmark report: rows run with older defaults are flagged, not mixed in silently."""

from __future__ import annotations

from dataclasses import asdict

from benchmarks.run import outdated, render_markdown
from solutions.train import Config


def _row(**changes: object) -> dict:
    config = {**asdict(Config()), **changes}
    machine = {"cores": 2, "cpu": "cpu", "torch": "2", "threads": 1, "python": "3"}
    return dict(command="python -m solutions.train", test_accuracy=0.88, val_accuracy=0.89, best_epoch=4, total_seconds=400.0,
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
