"""Benchmark: grade a class of 50 submissions with the sandboxed grader.

    python -m benchmarks.grading [--jobs 2] [--count 50]

The class is built from the reference: correct copies, untouched stubs, the
independent implementation and one submission per catalogued bug, in turn.
Writes benchmarks/grading.md with the wall time and the machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.run import machine
from grader.classroom import grade_class
from grader.grade import Grader
from grader.jail import Jail
from grader.mutants import load_mutants, write_package

ROOT = Path(__file__).resolve().parent.parent


def make_class(folder: Path, count: int) -> list[Path]:
    """``count`` submission folders: reference, stubs, independent, then one per mutant, repeated."""
    mutants = load_mutants()
    kinds = ["reference", "stubs", "independent", *(m.id for m in mutants)]
    subs = []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        target = folder / f"student{index:02d}-{kind}"
        if kind == "stubs":
            shutil.copytree(ROOT / "exercises", target / "exercises", ignore=shutil.ignore_patterns("tests", "__pycache__"))
        elif kind == "independent":
            shutil.copytree(ROOT / "tests" / "independent" / "exercises", target / "exercises", ignore=shutil.ignore_patterns("__pycache__"))
        else:
            write_package(target / "exercises", next((m for m in mutants if m.id == kind), None))
        subs.append(target)
    return subs


def startup_seconds(jail: Jail, runs: int = 7) -> dict[str, float]:
    """Median seconds to start Python and exit, plain and in the sandbox, and to import torch (run alternately)."""
    bare = [sys.executable, "-I", "-S", "-c", "pass"]
    torch = [sys.executable, "-I", "-c", "import torch"]
    times: dict[str, list[float]] = {"python": [], "python in the sandbox": [], "import torch": []}
    for _ in range(runs):
        for name, start in (("python", lambda: subprocess.Popen(bare)),
                            ("python in the sandbox", lambda: jail.start(bare, {}, {}, ())),
                            ("import torch", lambda: subprocess.Popen(torch))):
            began = time.perf_counter()
            start().wait()
            times[name].append(time.perf_counter() - began)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--write", type=Path, default=ROOT / "benchmarks" / "grading.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subs = make_class(Path(tmp) / "class", args.count)
        started = time.perf_counter()
        grader = Grader()
        reports = grade_class(subs, Path(tmp) / "out", jobs=args.jobs, grader=grader)
        seconds = time.perf_counter() - started
        startup = startup_seconds(grader.jail)
    full = sum(all(r.passed for r in report.results) for report in reports)
    zero = sum(report.score == 0 for report in reports)
    info = machine()
    text = "\n".join([
        "# Grading benchmark",
        "",
        f"Command: `python -m benchmarks.grading --jobs {args.jobs} --count {args.count}`",
        "",
        "| submissions | jobs | wall time | per submission | every check passed | zero | partial |",
        "|---|---|---|---|---|---|---|",
        f"| {len(reports)} | {args.jobs} | {seconds:.1f} s | {seconds / len(reports):.2f} s | {full} | {zero} | {len(reports) - full - zero} |",
        "",
        f"Machine: {info['cores']} cores, {info['cpu']}, Python {info['python']}, torch {info['torch']}.",
        "The wall time includes computing the reference's results once; every submission runs in its own bubblewrap sandbox.",
        "",
        "Start-up, median of 7 runs taken alternately in the same run (seconds):",
        "",
        "| python -I -S -c pass | the same in the sandbox | sandbox cost | python -c \"import torch\" |",
        "|---|---|---|---|",
        f"| {startup['python']:.3f} | {startup['python in the sandbox']:.3f} | {startup['python in the sandbox'] - startup['python']:.3f} | {startup['import torch']:.2f} |",
        "",
    ])
    args.write.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
