"""Grade a class on a Dask distributed cluster.

    python -m grader grade SUB [SUB ...] --out DIR --scheduler tcp://HOST:8786

The client (this process) reads and checks each submission
(``submission.read``) and sends its files' bytes to the cluster, so the
workers need no shared file system: only the kit, installed with the same
grader version, and a working sandbox. A submission that cannot be read is
refused here, as on one machine. Each worker process builds one ``Grader``
and grades the bytes it receives in the same bubblewrap sandbox as
``--jobs N``; reports come back as each finishes and ``classroom.run_class``
writes them and resumes, exactly as for a local run.

A task whose worker dies is run again on another worker (the scheduler's
``distributed.scheduler.allowed-failures``, 3 by default); a task that
raises is retried ``RETRIES`` times. Learner code never runs in the worker's
own process, so a crash in the sandbox costs one check, not a worker.
"""

from __future__ import annotations

import tempfile
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from . import submission
from .classroom import run_class
from .grade import Grader, Limits, Report, grader_version

CONNECT_SECONDS = 5.0
WORKERS_SECONDS = 30.0
RETRIES = 2
# Submissions in flight at once: enough to keep a few hundred workers busy,
# few enough that the client never holds a whole MOOC's files in memory.
IN_FLIGHT = 512

_graders: dict[tuple[Limits, bool], Grader] = {}
_graders_lock = threading.Lock()


class ClusterError(Exception):
    """The cluster cannot grade: not reachable, no workers, another grader version, or tasks that kept failing."""


def worker_grader(limits: Limits, sandbox: bool) -> Grader:
    """This worker process's ``Grader``, built on its first task: the reference's results are computed once per process."""
    with _graders_lock:
        if (limits, sandbox) not in _graders:
            _graders[(limits, sandbox)] = Grader(limits, sandbox=sandbox)
        return _graders[(limits, sandbox)]


def grade_files(files: dict[str, bytes], name: str, limits: Limits, sandbox: bool) -> Report:
    """A worker's task: grade one submission's ``exercises/*.py`` (name -> bytes), read and checked by the client.

    Raises:
        SandboxUnavailable: if this worker cannot build a sandbox (the task fails; no grade is made).
    """
    grader = worker_grader(limits, sandbox)
    try:
        with tempfile.TemporaryDirectory(prefix="grade-") as workdir:
            return grader.grade_package(submission.Package(files), name, Path(workdir))
    except Exception as error:  # as grade_one: the grader's own error becomes this submission's problem
        return grader.refused(name, f"the grader failed on this submission ({type(error).__name__}: {str(error)[:300]})")


def connect(address: str):
    """A ``distributed.Client`` of the scheduler at ``address`` that has at least one worker.

    Raises:
        ClusterError: if dask is not installed, the scheduler does not answer within seconds, or it has no worker.
    """
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError('--scheduler needs dask and distributed: pip install "transformer-kit[cluster]"') from None
    try:
        client = Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(f"no Dask scheduler answered at {address!r} within {CONNECT_SECONDS:.0f} s "
                           f"(expected an address like tcp://HOST:8786): {error}") from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_SECONDS)
    except TimeoutError:
        client.close()
        raise ClusterError(f"the Dask scheduler at {address} has no worker after {WORKERS_SECONDS:.0f} s; start some with `dask worker {address}`") from None
    return client


def check_versions(client) -> None:
    """Refuse workers whose kit grades differently from this one: their grades would not resume here.

    Raises:
        ClusterError: naming each worker whose grader version differs.
    """
    mine = grader_version()
    others = {worker: version for worker, version in client.run(grader_version).items() if version != mine}
    if others:
        listed = ", ".join(f"{worker} has {version}" for worker, version in sorted(others.items()))
        raise ClusterError(f"workers with another grader version than this one ({mine}): {listed}; install the same kit on every machine")


def grade_on_cluster(submissions: Sequence[Path], out: Path, address: str, limits: Limits = Limits(),
                     sandbox: bool = True, force: bool = False, progress: bool = True) -> list[Report]:
    """``classroom.grade_class`` on the Dask cluster whose scheduler is at ``address``.

    Raises:
        ClusterError: if the cluster cannot grade (see ``connect``, ``check_versions``, ``on_cluster``).
    """
    client = connect(address)
    try:
        check_versions(client)
        # Here only for the version (resume) and to refuse unreadable files: no learner code runs on the client.
        grader = Grader(limits, sandbox=False)
        return run_class(submissions, out, grader, lambda todo: on_cluster(client, grader, todo, sandbox), force, progress)
    finally:
        client.close()


def on_cluster(client, grader: Grader, todo: list[tuple[Path, str]], sandbox: bool) -> Iterator[tuple[str, Report]]:
    """The cluster's runner for ``classroom.run_class``: bytes out, reports back as each finishes.

    Raises:
        ClusterError: after the others are graded, if some tasks failed every retry.
    """
    from distributed import as_completed

    pending, names, failed = iter(todo), {}, []
    finished = as_completed()

    def send_next() -> Iterator[tuple[str, Report]]:
        for path, name in pending:
            try:
                package = submission.read(path)
            except submission.SubmissionError as error:
                yield name, grader.refused(name, str(error))
                continue
            future = client.submit(grade_files, package.files, name, grader.limits, sandbox,
                                   key=f"grade-{name}-{uuid.uuid4().hex[:8]}", retries=RETRIES)
            names[future.key] = name
            finished.add(future)
            return

    for _ in range(IN_FLIGHT):
        yield from send_next()
    for future in finished:
        try:
            yield names[future.key], future.result()
        except Exception as error:
            failed.append(f"{names[future.key]} ({type(error).__name__}: {str(error)[:200]})")
        future.release()
        yield from send_next()
    if failed:
        raise ClusterError(f"{len(failed)} submissions were not graded, run the same command again to grade them: {'; '.join(failed)}")
