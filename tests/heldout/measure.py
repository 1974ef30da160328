"""Grade every bug of a held-out catalogue and write a table of how the grader does.

    python -m tests.heldout.measure --out DIR [--bugs FILE] [--no-visible] [--jobs 2]

``--bugs`` names the catalogue: ``tests/heldout/bugs.toml`` (the default) or
another of the same format, such as ``tests/heldout/fresh.toml``, ``fresh2.toml`` or ``fresh3.toml``. For each bug, a submission ``DIR/submissions/<id>/exercises/`` holds the
reference's exercise modules with the bug's edits; ``python -m grader grade``
grades them all into ``DIR/grades/``. Per bug the table records:

- lost: the bug's exercise scored below its maximum;
- hints: the causes the grader named for that exercise (``diagnoses`` in
  results.json) and offered as "possibly" (``possible_causes``);
- named / wrong: whether a named cause describes the bug's mistake, or a
  different one. A program cannot judge that, so the verdicts are read from
  a judgements file (a person's reading of each (bug, cause) pair):
  ``judgements.toml`` for ``bugs.toml``, ``<name>-judgements.toml`` beside
  any other catalogue ``<name>.toml``, or ``--judgements FILE``; a pair
  without a verdict is listed as not yet judged. A verdict ``correct = false``
  is a wrong name unless it says ``wrong = false``: a true description of the
  result that does not name the mistake behind it;
- twin: the entry of the grader's own catalogue (``grader/mutants.toml``)
  whose edited source is the same as the bug's, whitespace aside, if any.
  The issue's targets are about bugs no catalogue lists, so the rates are
  given for all bugs and for those without a twin;
- visible: the bug passes every test of ``pytest exercises`` (run with
  ``--impl`` on a copy of the submission under a package name of its own).

The table is written to ``DIR/RESULTS.md`` and the raw rows to ``DIR/rows.json``;
``DIR/catalogue.json`` records which catalogue was measured, so that
``--tabulate-only`` finds it again without ``--bugs``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from exercises.catalogue import EXERCISES, exercise_modules

from . import CATALOGUE, apply, load_bugs, tomllib

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
JUDGEMENTS = Path(__file__).with_name("judgements.toml")


def judgements_for(catalogue: Path) -> Path:
    """The judgements file of a catalogue: ``judgements.toml`` for ``bugs.toml``, else ``<name>-judgements.toml`` beside it."""
    catalogue = Path(catalogue)
    if catalogue.resolve() == CATALOGUE.resolve():
        return JUDGEMENTS
    return catalogue.with_name(f"{catalogue.stem}-judgements.toml")


def build_submission(bug: dict, folder: Path) -> Path:
    """``folder/exercises/``: the reference's exercise modules with ``bug`` applied."""
    package = folder / "exercises"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    for module in exercise_modules():
        shutil.copyfile(SOLUTIONS / f"{module}.py", package / f"{module}.py")
    (package / f"{bug['module']}.py").write_text(apply(bug, SOLUTIONS), encoding="utf-8")
    return folder


def package_name(bug: dict) -> str:
    """An importable name for the bug's copy: ``pytest --impl`` imports ``<name>.<module>``."""
    return "heldout_" + re.sub(r"\W", "_", bug["id"])


def visible_tests_pass(bug: dict, submission: Path, packages: Path) -> bool:
    """Whether the bug passes every visible test; ``-x`` stops at the first failure, which is all we need."""
    target = packages / package_name(bug)
    shutil.copytree(submission / "exercises", target)
    env = {**os.environ, "PYTHONPATH": str(packages)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "exercises", "--impl", package_name(bug), "-x", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    return run.returncode == 0


def causes_of(results: dict, exercise: str) -> list[tuple[str, str, bool]]:
    """(cause id, message, certain) for each cause the grader named (``diagnoses``) or offered (``possible_causes``)."""
    named = [(d["id"], d["message"], True) for d in results.get("diagnoses", []) if d["exercise"] == exercise]
    offered = [(d["id"], d["message"], False) for d in results.get("possible_causes", []) if d["exercise"] == exercise]
    return named + offered


def catalogue_twins(bugs: list[dict]) -> dict[str, str | None]:
    """Per bug id, the grader's catalogued bug with the same edited source (whitespace aside), or None."""
    try:
        from grader.mutants import load_mutants
    except ImportError:  # a grader without a catalogue: nothing is listed twice
        return {b["id"]: None for b in bugs}
    squeeze = lambda text: re.sub(r"\s+", "", text)  # noqa: E731
    known = {(m.module, squeeze(m.source())): m.id for m in load_mutants()}
    return {b["id"]: known.get((b["module"], squeeze(apply(b, SOLUTIONS)))) for b in bugs}


def load_judgements(path: Path = JUDGEMENTS) -> dict[tuple[str, str], dict]:
    """Per (bug id, cause id): ``correct`` (bool) and a ``note``, as read by a person."""
    if not path.exists():
        return {}
    return {(j["bug"], j["cause"]): j for j in tomllib.loads(path.read_text(encoding="utf-8")).get("judgement", [])}


def wrong_name(verdict: dict) -> bool:
    """Whether a verdict says the cause is a wrong name: not correct, and not merely a true description of the
    result that does not name the mistake behind it (``wrong = false``)."""
    return not verdict["correct"] and verdict.get("wrong", True)


def measure(out: Path, jobs: int, visible: bool, only: list[str] | None = None, catalogue: Path = CATALOGUE) -> None:
    """Build and grade every bug of ``catalogue`` (or those in ``only``); run the visible tests unless told not to."""
    bugs = [b for b in load_bugs(catalogue) if not only or b["id"] in only]
    if only and len(bugs) != len(set(only)):
        raise SystemExit(f"no such bugs: {sorted(set(only) - {b['id'] for b in bugs})}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "catalogue.json").write_text(json.dumps({"bugs": str(Path(catalogue).resolve())}), encoding="utf-8")
    submissions = out / "submissions"
    for bug in bugs:
        build_submission(bug, submissions / bug["id"])
    grades = out / "grades"
    subprocess.run(
        [sys.executable, "-m", "grader", "grade", *[str(submissions / b["id"]) for b in bugs],
         "--out", str(grades), "--jobs", str(jobs)],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=(out / "grade.log").open("w"),
    )
    passes: dict[str, bool | None] = {b["id"]: None for b in bugs}
    if visible:
        packages = out / "packages"
        packages.mkdir()
        with ThreadPoolExecutor(jobs) as pool:
            for bug, passed in zip(bugs, pool.map(lambda b: visible_tests_pass(b, submissions / b["id"], packages), bugs)):
                passes[bug["id"]] = passed
    (out / "visible.json").write_text(json.dumps(passes, indent=1), encoding="utf-8")


def recorded_catalogue(out: Path) -> Path | None:
    """The catalogue an earlier run of ``measure`` into ``out`` graded, or None if it did not say."""
    record = out / "catalogue.json"
    if not record.exists():
        return None
    return Path(json.loads(record.read_text(encoding="utf-8"))["bugs"])


def tabulate(out: Path, catalogue: Path = CATALOGUE, judgements: Path | None = None) -> list[dict]:
    """One row per bug of ``catalogue`` from the grades and visible-test results in ``out``, with the judgements.

    ``judgements`` defaults to the catalogue's own file (``judgements_for``).
    """
    grades = out / "grades"
    # visible.json lists the bugs this run measured, --only or not.
    passes = json.loads((out / "visible.json").read_text(encoding="utf-8"))
    bugs = [b for b in load_bugs(catalogue) if b["id"] in passes]
    judgements = load_judgements(judgements_for(catalogue) if judgements is None else judgements)
    twins = catalogue_twins(bugs)
    rows = []
    for bug in bugs:
        results = json.loads((grades / bug["id"] / "results.json").read_text(encoding="utf-8"))
        score = results["exercises"][bug["exercise"]]
        causes = causes_of(results, bug["exercise"])
        verdicts = [judgements.get((bug["id"], cause)) for cause, _, _ in causes]
        named = [c for c, v in zip(causes, verdicts) if c[2] and v and v["correct"]]
        wrong = [c for c, v in zip(causes, verdicts) if c[2] and v and wrong_name(v)]
        rows.append({
            "id": bug["id"], "exercise": bug["exercise"], "cause": bug["cause"],
            "points": score["points"], "max_points": score["max_points"],
            "lost": score["points"] < score["max_points"],
            "hints": [f"{'' if certain else 'possibly: '}{message}" for _, message, certain in causes],
            "unjudged": [cause for (cause, _, _), v in zip(causes, verdicts) if v is None],
            # Only a named cause (not a "possibly") counts as naming the bug, or as a wrong name.
            "named": bool(named),
            "wrong": bool(wrong),
            "note": "; ".join(v["note"] for v in verdicts if v and v.get("note")),
            "twin": twins[bug["id"]],
            "visible": passes.get(bug["id"]),
        })
    return rows


def percent(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "0/0"


def mark(value) -> str:
    return {True: "yes", False: "no", None: "?"}.get(value, "?")


def summary(rows: list[dict]) -> list[str]:
    """The rates, for every bug and for those the grader's catalogue does not list."""
    unlisted = [r for r in rows if r["twin"] is None]
    measures = [
        ("lose points in their exercise", lambda r: r["lost"]),
        ("get a cause named or offered", lambda r: bool(r["hints"])),
        ("named correctly", lambda r: r["named"] is True),
        ("given a wrong name", lambda r: r["wrong"] is True),
    ]
    if all(r["visible"] is not None for r in rows):
        measures.append(("pass every visible test", lambda r: r["visible"]))
    lines = [f"| | all bugs | not in the grader's catalogue |", "|---|---|---|",
             f"| bugs | {len(rows)} | {len(unlisted)} |"]
    for name, test in measures:
        lines.append(f"| {name} | {percent(sum(map(test, rows)), len(rows))} | {percent(sum(map(test, unlisted)), len(unlisted))} |")
    unjudged = [f"{r['id']} ({', '.join(r['unjudged'])})" for r in rows if r["unjudged"]]
    if unjudged:
        lines.append(f"| hints not yet judged | {len(unjudged)}: {', '.join(unjudged)} | |")
    return lines


def grader_commit() -> str:
    """The last commit that changed what is measured (the grader, the reference or the exercises)."""
    run = subprocess.run(["git", "log", "-1", "--format=%h %cs", "--", "grader", "solutions", "exercises"],
                         cwd=ROOT, capture_output=True, text=True)
    return run.stdout.strip() or "unknown"


def table(rows: list[dict], catalogue: Path = CATALOGUE, judgements: Path | None = None) -> str:
    judgements = judgements_for(catalogue) if judgements is None else Path(judgements)
    lines = ["# Held-out learner bugs: how the grader does", "",
             f"Measured by `python -m tests.heldout.measure --bugs {Path(catalogue).name}` on the grader, reference and exercises"
             f" of commit {grader_commit()}.",
             f"Named / wrong: verdicts in `{judgements.name}`, by a person reading each hint next to the bug's cause.", ""]
    lines += summary(rows)
    lines += ["", "Lost no points: " + (", ".join(r["id"] for r in rows if not r["lost"]) or "none") + ".",
              "", "Given a wrong name: " + (", ".join(r["id"] for r in rows if r["wrong"] is True) or "none") + "."]
    lines += ["", "Per exercise:", "", "| exercise | bugs | lose points | named | wrong name | pass visible |", "|---|---|---|---|---|---|"]
    for exercise in EXERCISES:
        mine = [r for r in rows if r["exercise"] == exercise.key]
        if mine:
            lines.append(
                f"| {exercise.key} | {len(mine)} | {sum(r['lost'] for r in mine)} | {sum(r['named'] is True for r in mine)}"
                f" | {sum(r['wrong'] is True for r in mine)} | {sum(bool(r['visible']) for r in mine)} |"
            )
    lines += ["", "Per bug (points of its exercise; hints as the grader wrote them; verdicts by reading):", "",
              "| bug | exercise | points | lost | named | wrong | visible pass | grader's twin | hints given | note |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        hints = " / ".join(h.replace("|", "\\|").replace("\n", " ") for h in r["hints"]) or "—"
        named, wrong = mark(r["named"]), mark(r["wrong"])
        note = r["note"].replace("|", "\\|")
        lines.append(
            f"| {r['id']} | {r['exercise']} | {r['points']}/{r['max_points']} | {mark(r['lost'])} | {named} | {wrong}"
            f" | {mark(r['visible'])} | {r['twin'] or '—'} | {hints} | {note} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="an empty or new folder for the submissions, grades and table")
    parser.add_argument("--bugs", type=Path, metavar="FILE",
                        help=f"the catalogue to measure (default: {CATALOGUE.relative_to(ROOT)}; with --tabulate-only,"
                             " the one the earlier run recorded)")
    parser.add_argument("--judgements", type=Path, metavar="FILE",
                        help="the verdicts to read (default: judgements.toml for bugs.toml, <name>-judgements.toml beside another catalogue)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-visible", action="store_true", help="skip running the visible tests on every bug")
    parser.add_argument("--only", nargs="+", metavar="ID", help="measure only these bugs (a quick check of the script)")
    parser.add_argument("--tabulate-only", action="store_true",
                        help="only rebuild the table from an earlier run's --out (after editing judgements.toml)")
    args = parser.parse_args(argv)
    catalogue = args.bugs or (recorded_catalogue(args.out) if args.tabulate_only else None) or CATALOGUE
    if not catalogue.exists():
        parser.error(f"no catalogue {catalogue}")
    if not args.tabulate_only:
        if args.out.exists() and any(args.out.iterdir()):
            parser.error(f"{args.out} is not empty")
        measure(args.out, args.jobs, not args.no_visible, args.only, catalogue)
    rows = tabulate(args.out, catalogue, args.judgements)
    (args.out / "rows.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    (args.out / "RESULTS.md").write_text(table(rows, catalogue, args.judgements), encoding="utf-8")
    print("\n".join(summary(rows)))


if __name__ == "__main__":
    main()
