"""Benchmark: a class graded on a local Dask cluster against ``--jobs`` on the same machine.

    python -m benchmarks.cluster [--count 50] [--workers 2]

The class is ``benchmarks.grading.make_class``'s. Each way grades it twice:
cold (the first run, including the reference's results computed once per
grading process) and warm (``force``, the same processes again: what each
further submission costs). Writes benchmarks/cluster.md.

CPU time is that of this process and every process under it: for
``--jobs``, the grader and its sandboxes; for Dask, also the LocalCluster's
scheduler (in this process), nannies and workers, and the workers'
sandboxes. ``getrusage(RUSAGE_CHILDREN)`` cannot count the sandboxes: the
grader ends each one with SIGKILL, so the Python inside is never waited for
by its parent and its CPU time is never added to anyone's. Instead
``TreeCpu`` reads ``/proc/PID/stat`` of the whole tree every 50 ms and keeps
each process's last figure; a sandbox's last 50 ms at most go uncounted
(it is idle, waiting for its next command, when it is killed).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.grading import make_class
from benchmarks.run import machine
from grader.classroom import grade_class
from grader.grade import Grader

ROOT = Path(__file__).resolve().parent.parent


class TreeCpu:
    """CPU seconds used by this process and all its descendants while the ``with`` block runs (see the module's note)."""

    TICKS = os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> TreeCpu:
        self.first = tree_cpu(self.TICKS)
        self.last = dict(self.first)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.last.update(tree_cpu(self.TICKS))

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.last.update(tree_cpu(self.TICKS))
        self.seconds = sum(value - self.first.get(key, 0.0) for key, value in self.last.items())


def tree_cpu(ticks: int) -> dict[tuple[int, int], float]:
    """(pid, start time) -> CPU seconds (user + system) of this process and each of its descendants now."""
    stats, children = {}, {}
    for entry in os.listdir("/proc"):
        try:
            text = open(f"/proc/{entry}/stat", "rb").read().decode("ascii", "replace") if entry.isdigit() else ""
        except OSError:
            continue
        if text:
            fields = text.rpartition(")")[2].split()  # after the command name, which may hold spaces
            stats[int(entry)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, queue = {}, [os.getpid()]
    while queue:
        pid = queue.pop()
        if pid in stats:
            found[(pid, int(stats[pid][19]))] = (int(stats[pid][11]) + int(stats[pid][12])) / ticks
        queue += children.get(pid, [])
    return found


def resident_mb() -> float:
    """This process's resident memory in MB (a worker's, asked through ``client.run``)."""
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def timed(run) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process tree) of ``run()``."""
    wall = time.perf_counter()
    with TreeCpu() as cpu:
        run()
    return time.perf_counter() - wall, cpu.seconds


def local(subs: list[Path], out: Path, jobs: int) -> dict[str, float]:
    """Cold and warm wall and CPU seconds of ``grade_class`` with ``jobs`` threads."""
    graders = []

    def first_run() -> None:
        graders.append(Grader())
        grade_class(subs, out, jobs=jobs, grader=graders[0], progress=False)

    cold = timed(first_run)
    warm = timed(lambda: grade_class(subs, out, jobs=jobs, grader=graders[0], force=True, progress=False))
    return {"cold wall": cold[0], "cold cpu": cold[1], "warm wall": warm[0], "warm cpu": warm[1]}


def cluster(subs: list[Path], out: Path, workers: int) -> dict[str, float]:
    """Cold and warm wall and CPU seconds of ``grade_on_cluster`` on a fresh LocalCluster of ``workers`` processes."""
    from distributed import Client, LocalCluster

    from grader.cluster import grade_on_cluster

    started = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as local_cluster, Client(local_cluster) as client:
        figures = {"start": time.perf_counter() - started}
        for run, force in (("cold", False), ("warm", True)):
            figures[f"{run} wall"], figures[f"{run} cpu"] = timed(lambda: grade_on_cluster(subs, out, local_cluster.scheduler_address, force=force, progress=False))
        figures["worker mb"] = max(client.run(resident_mb).values())
    return figures


def render(count: int, workers: int, jobs: int, here: dict[str, float], dask: dict[str, float]) -> str:
    info = machine()
    rows = [(f"`--jobs {jobs}`", here), (f"Dask LocalCluster, {workers} workers x 1 thread", dask)]
    return "\n".join([
        "# Grading on a Dask cluster: benchmark",
        "",
        f"Command: `python -m benchmarks.cluster --count {count} --workers {workers}`",
        "",
        "| how | first run (wall) | again, warm (wall) | CPU s per submission, first run | CPU s per submission, warm |",
        "|---|---|---|---|---|",
        *(f"| {name} | {f['cold wall']:.1f} s | {f['warm wall']:.1f} s | {f['cold cpu'] / count:.2f} | {f['warm cpu'] / count:.2f} |" for name, f in rows),
        "",
        f"Dask against `--jobs {jobs}`, wall time: first run {dask['cold wall'] / here['cold wall']:.2f}x, warm {dask['warm wall'] / here['warm wall']:.2f}x "
        "(above 1: the cluster is slower).",
        f"Starting the LocalCluster took {dask['start']:.1f} s (not in the rows); a worker process held {dask['worker mb']:.0f} MB resident after grading.",
        "",
        f"{count} submissions from `benchmarks.grading.make_class`, each in its own bubblewrap sandbox. "
        "The first run includes computing the reference's results once per grading process (this one, or each worker); "
        "the warm run grades the same class again (`force`) in the same processes.",
        "CPU: user + system time of the whole process tree (the grader, or the client, scheduler, nannies and workers; every sandbox), "
        "sampled from /proc every 50 ms (see the module's docstring).",
        "",
        f"Machine: {info['cores']} cores, {info['cpu']}, Python {info['python']}, torch {info['torch']}.",
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes, and --jobs of the local run")
    parser.add_argument("--write", type=Path, default=ROOT / "benchmarks" / "cluster.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subs = make_class(Path(tmp) / "class", args.count)
        here = local(subs, Path(tmp) / "local", args.workers)
        dask = cluster(subs, Path(tmp) / "dask", args.workers)
    text = render(args.count, args.workers, args.workers, here, dask)
    args.write.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
