"""Grading on a Dask cluster: the same grades as on one machine, written and resumed the same way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from grader.classroom import grade_class
from grader.grade import Grader, Report
from tests.conftest import small_class, submission

distributed = pytest.importorskip("distributed", reason='the cluster extra: pip install ".[cluster]"')
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cluster():
    """A local Dask cluster of two worker processes, one thread each."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


def results(reports: list[Report]) -> list[dict]:
    """What a grade is made of: the name, the score, the problem and every check's result and message."""
    return [{"submission": r.submission, "score": r.score, "bonus": r.bonus, "problem": r.problem,
             "fingerprint": r.fingerprint, "version": r.version, "checks": [asdict(c) for c in r.results]} for r in reports]


def test_a_class_graded_on_a_dask_cluster_gets_the_same_grades_and_files_as_with_jobs_2(cluster, tmp_path):
    """Scores, per-check results, results.json and grades.csv match --jobs 2; the broken zip is refused alike."""
    from grader.cluster import grade_on_cluster

    subs = small_class(tmp_path / "class")
    local = grade_class(subs, tmp_path / "local", jobs=2, grader=Grader(), progress=False)
    remote = grade_on_cluster(subs, tmp_path / "remote", cluster.scheduler_address, progress=False)
    assert results(remote) == results(local)
    scores = [r.score for r in remote]
    assert scores[:2] == [100, 0] and 0 < scores[2] < 100 and scores[3] == 0 and "not a readable zip" in remote[3].problem
    assert (tmp_path / "remote" / "grades.csv").read_text() == (tmp_path / "local" / "grades.csv").read_text()
    for name in ("reference", "stubs", "softmax", "broken"):
        assert (tmp_path / "remote" / name / "results.json").read_text() == (tmp_path / "local" / name / "results.json").read_text()


def test_a_cluster_run_resumes_from_a_local_one(cluster, tmp_path):
    """Grades already in --out from the same files and grader version are kept, whichever ran them."""
    from grader.cluster import grade_on_cluster

    subs = small_class(tmp_path / "class")
    grade_class(subs[:2], tmp_path / "out", jobs=2, grader=Grader(), progress=False)
    before = (tmp_path / "out" / "reference" / "results.json").stat().st_mtime_ns
    reports = grade_on_cluster(subs, tmp_path / "out", cluster.scheduler_address, progress=False)
    assert [r.submission for r in reports] == ["reference", "stubs", "softmax", "broken"]
    assert (tmp_path / "out" / "reference" / "results.json").stat().st_mtime_ns == before
    assert (tmp_path / "out" / "softmax" / "results.json").is_file()


def test_a_worker_that_dies_while_grading_costs_a_retry_not_a_grade(cluster, tmp_path):
    """The worker grading a submission is killed mid-task: another worker grades it, and the grade is full marks."""
    from grader.cluster import grade_on_cluster

    slow = submission(tmp_path / "slow", append={"vocab": "import time\ntime.sleep(4)"})  # a window to kill its worker in
    graded = {}
    run = threading.Thread(target=lambda: graded.update(reports=grade_on_cluster([slow], tmp_path / "out", cluster.scheduler_address, progress=False)))
    with distributed.Client(cluster) as client:
        run.start()
        busy = []
        while run.is_alive() and not busy:
            busy = [worker for worker, keys in client.processing().items() if any("grade-slow" in str(key) for key in keys)]
            time.sleep(0.2)
        os.kill(client.run(os.getpid, workers=busy)[busy[0]], signal.SIGKILL)
        run.join(timeout=120)
        assert busy and busy[0] not in client.scheduler_info()["workers"]
    assert [r.score for r in graded["reports"]] == [100]


def test_a_scheduler_that_does_not_answer_is_named_within_seconds(tmp_path):
    """--scheduler pointing at nothing exits 2 within seconds, naming the address and the expected form."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "grader", "grade", str(tmp_path), "--out", str(tmp_path / "out"),
                             "--scheduler", "tcp://127.0.0.1:9"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "no Dask scheduler answered at 'tcp://127.0.0.1:9'" in result.stderr and "tcp://HOST:8786" in result.stderr
    assert time.monotonic() - started < 20
