"""Every held-out catalogue, graded: each bug loses points, and each cause named for it is one a person judged not wrong.

Each bug is graded in this process (its code is the reference with the bug's
edits: trusted). A cause the grader names that no judgement covers fails the
test until a person reads it next to the bug and writes a verdict in the
catalogue's judgements file: so no diagnosis can start naming a cause that is
not the bug's without someone seeing it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.checks import Impl
from grader.grade import Report
from tests.conftest import edited_in_memory
from tests.heldout import CATALOGUES, apply, load_bugs
from tests.heldout.measure import judgements_for, load_judgements, wrong_name

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
BUGS = [(catalogue, bug) for catalogue in CATALOGUES for bug in load_bugs(catalogue)]

# The only bugs that cost no points, and why no check can see them here.
POINT_FREE = {
    "fresh.toml:pos-positions-made-on-cpu": "the positions are made on the CPU: only a second device shows it",
}


@pytest.fixture(scope="module")
def heldout_reports(grader) -> dict[str, Report]:
    """Every held-out bug graded in this process, by ``catalogue:id``."""
    reports = {}
    for catalogue, bug in BUGS:
        impl = Impl(edited_in_memory({bug["module"]: apply(bug, SOLUTIONS)}))
        reports[f"{catalogue.name}:{bug['id']}"] = grader.report(bug["id"], grader.outcomes_in_process(impl))
    return reports


@pytest.mark.parametrize(("catalogue", "bug"), BUGS, ids=[f"{c.name}:{b['id']}" for c, b in BUGS])
def test_every_heldout_bug_loses_points_and_no_cause_named_for_it_is_wrong_or_unjudged(catalogue, bug, heldout_reports):
    """The bug's exercise scores below its maximum (but for POINT_FREE), and each cause named has a verdict that it is not a wrong name."""
    key = f"{catalogue.name}:{bug['id']}"
    report = heldout_reports[key]
    got, top = report.by_exercise[bug["exercise"]]
    assert (got == top) == (key in POINT_FREE), (got, top)
    verdicts = load_judgements(judgements_for(catalogue))
    named = [d.id for d in report.diagnoses if d.exercise == bug["exercise"] and d.certain and d.kind == "cause"]
    unjudged = [cause for cause in named if (bug["id"], cause) not in verdicts]
    wrong = [cause for cause in named if (bug["id"], cause) in verdicts and wrong_name(verdicts[bug["id"], cause])]
    assert not unjudged and not wrong, {"not yet judged": unjudged, "judged wrong": wrong}
