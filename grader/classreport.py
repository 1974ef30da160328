"""The class report: one HTML page, with PNG figures, of what a class got wrong.

    python -m grader report OUT      (``grade`` also writes it at the end)

It reads the folder ``grade`` wrote (``classstats.py``) and writes
``OUT/report.html`` and its figures ``OUT/report-*.png``: the score
histogram, the mean of each exercise, the pass rate of every check (worst
first), and the most common diagnosed bugs with the submissions that have
them. The page opens with the few sentences an instructor needs first.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from .classstats import Bug, Graded, common_bugs, exercise_shares, load_class, pass_rates, summary
from .grade import EXERCISE_BY_KEY
from .report import write_atomically

TOP_BUGS = 12
DPI = 100


def write_report(out: Path) -> Path:
    """Write ``out/report.html`` and its figures from the grades in ``out``; returns the page's path.

    Raises:
        ValueError: if ``out`` is not a folder written by ``grade``.
    """
    graded = load_class(out)
    bugs = common_bugs(graded)
    figures = {
        "scores": score_histogram(graded),
        "exercises": exercise_bars(graded),
        "checks": check_bars(graded),
    }
    if bugs:
        figures["bugs"] = bug_bars(bugs[:TOP_BUGS])
    for name, figure in figures.items():
        figure.savefig(out / f"report-{name}.png", dpi=DPI)
    page = out / "report.html"
    write_atomically(page, page_html(graded, bugs, sorted(figures)))
    return page


# --- figures --------------------------------------------------------------------------------------


def _colour(share: float) -> str:
    """Red below half, amber below 80 %, green above: the eye finds the trouble first."""
    return "#d62728" if share < 0.5 else "#ff9f1c" if share < 0.8 else "#2ca02c"


def score_histogram(graded: Sequence[Graded]) -> Figure:
    facts = summary(graded)
    figure = Figure(figsize=(8, 3.6), layout="constrained")
    axes = figure.subplots()
    # Ten bins of ten points; the last, 90-100, is closed, so full marks sit in it.
    axes.hist([g.score for g in graded], bins=range(0, facts["max_score"] + 1, 10), color="#1f77b4", edgecolor="white")
    axes.axvline(facts["mean"], color="black", linestyle="--", label=f"mean {facts['mean']:.1f}")
    axes.set_xlim(0, facts["max_score"])
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel(f"score (out of {facts['max_score']}, bonus not counted)")
    axes.set_ylabel("submissions")
    axes.set_title(f"Scores of {facts['submissions']} submissions")
    axes.legend(loc="upper left")
    return figure


def exercise_bars(graded: Sequence[Graded]) -> Figure:
    shares = exercise_shares(graded)
    labels = [f"{EXERCISE_BY_KEY[key].label}: {EXERCISE_BY_KEY[key].title}" for key in shares]
    figure = Figure(figsize=(8, 3.6), layout="constrained")
    axes = figure.subplots()
    bars = axes.barh(labels, [100 * s for s in shares.values()], color=[_colour(s) for s in shares.values()])
    axes.bar_label(bars, labels=[f"{100 * s:.0f}%" for s in shares.values()], padding=3)
    axes.invert_yaxis()
    axes.set_xlim(0, 110)
    axes.set_xlabel("mean score, as a share of the exercise's points (%)")
    axes.set_ylabel("exercise")
    axes.set_title("Mean score per exercise")
    return figure


def check_bars(graded: Sequence[Graded]) -> Figure:
    rates = pass_rates(graded)
    figure = Figure(figsize=(8, 1.2 + 0.2 * len(rates)), layout="constrained")
    axes = figure.subplots()
    labels = [check_label(check) for check, _ in rates]
    bars = axes.barh(labels, [100 * r for _, r in rates], color=[_colour(r) for _, r in rates])
    axes.bar_label(bars, labels=[f"{100 * r:.0f}%" for _, r in rates], padding=3, fontsize=7)
    axes.margins(y=0.005)
    axes.invert_yaxis()
    axes.set_xlim(0, 110)
    axes.tick_params(axis="y", labelsize=7)
    axes.set_xlabel("submissions that pass the check (%)")
    axes.set_ylabel("hidden check (worst first)")
    axes.set_title(f"Pass rate of every hidden check ({len(graded)} submissions)")
    return figure


def bug_bars(bugs: Sequence[Bug]) -> Figure:
    figure = Figure(figsize=(8, 1.2 + 0.32 * len(bugs)), layout="constrained")
    axes = figure.subplots()
    labels = [f"{bug.id} ({EXERCISE_BY_KEY[bug.exercise].label})" if bug.exercise in EXERCISE_BY_KEY else bug.id for bug in bugs]
    bars = axes.barh(labels, [len(b.submissions) for b in bugs], color="#9467bd")
    axes.bar_label(bars, padding=3)
    axes.invert_yaxis()
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlim(0, max(len(b.submissions) for b in bugs) * 1.15 + 0.5)
    axes.set_xlabel("submissions with the bug")
    axes.set_ylabel("diagnosed bug")
    axes.set_title("Most common diagnosed bugs")
    return figure


def check_label(check: str) -> str:
    """``"Exercise 4 · weights_with_a_padding_mask"`` for ``"attention.weights_with_a_padding_mask"``."""
    exercise, _, name = check.partition(".")
    return f"{EXERCISE_BY_KEY[exercise].label} · {name}" if exercise in EXERCISE_BY_KEY else check


def sentence(text: str) -> str:
    """``text`` with a full stop, unless it already ends with one (hints may end with a question)."""
    return text if text.endswith((".", "?", "!")) else text + "."


# --- the page -------------------------------------------------------------------------------------


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { margin-bottom: .2rem; } img { max-width: 100%; border: 1px solid #ddd; }
ul.headline li { margin: .3rem 0; } table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; } th { background: #f3f3f3; }
td.n { text-align: right; } td.id { white-space: nowrap; } p.note { color: #555; font-size: .9rem; }
"""


def page_html(graded: Sequence[Graded], bugs: Sequence[Bug], figures: Sequence[str]) -> str:
    facts = summary(graded)
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8"><title>Class report</title>',
             f"<style>{STYLE}</style></head><body>", "<h1>Class report</h1>",
             f"<p>{facts['submissions']} submissions. Scores out of {facts['max_score']}; the bonus (out of {facts['bonus_max']}) is extra.</p>",
             "<h2>In one minute</h2>", headline(graded, bugs)]
    captions = {"scores": "Score histogram", "exercises": "Mean per exercise", "checks": "Pass rate of every check", "bugs": "Most common diagnosed bugs"}
    for name in ("scores", "exercises", "checks", "bugs"):
        parts.append(f"<h2>{captions[name]}</h2>")
        if name in figures:
            parts.append(f'<img src="report-{name}.png" alt="{captions[name]}">')
        if name in ("exercises", "checks"):
            parts.append('<p class="note">Red: under 50 %; amber: under 80 %; green: 80 % or more.</p>')
    parts.append(bug_table(bugs))
    if facts["not_graded"]:
        rows = "".join(f"<tr><td>{html.escape(g.name)}</td><td>{html.escape(g.problem or '')}</td></tr>" for g in facts["not_graded"])
        parts += ["<h2>Not graded</h2>", f"<table><tr><th>submission</th><th>why</th></tr>{rows}</table>"]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def headline(graded: Sequence[Graded], bugs: Sequence[Bug]) -> str:
    """The few sentences to read first: scores, the weakest exercise, the worst checks, the commonest bug."""
    facts = summary(graded)
    shares = exercise_shares(graded)
    weakest = min((key for key in shares if EXERCISE_BY_KEY[key].number != "bonus"), key=shares.get)
    worst = [f"{html.escape(check_label(check))} ({100 * rate:.0f}% pass)" for check, rate in pass_rates(graded)[:3] if rate < 1]
    items = [f"Mean score <b>{facts['mean']:.1f}</b>, median {facts['median']:g}, lowest {facts['lowest']}, highest {facts['highest']}; "
             f"bonus mean {facts['bonus_mean']:.1f} / {facts['bonus_max']}.",
             f"Weakest exercise: <b>{EXERCISE_BY_KEY[weakest].label}: {html.escape(EXERCISE_BY_KEY[weakest].title)}</b> "
             f"({100 * shares[weakest]:.0f}% of its points on average).",
             f"Worst checks: {', '.join(worst)}." if worst else "Every check passed for every submission."]
    if bugs:
        top = bugs[0]
        items.append(f"Most common bug: <b>{html.escape(top.id)}</b> in {len(top.submissions)} of {facts['submissions']} submissions: "
                     f"{html.escape(sentence(top.message))}")
    if facts["not_graded"]:
        items.append(f"<b>{len(facts['not_graded'])} could not be graded</b> (see the end of the page).")
    return '<ul class="headline">' + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def bug_table(bugs: Sequence[Bug]) -> str:
    if not bugs:
        return "<p>No catalogued bug was diagnosed in any submission.</p>"
    rows = "".join(
        f'<tr><td class="id">{html.escape(b.id)}</td><td class="id">{html.escape(EXERCISE_BY_KEY[b.exercise].label if b.exercise in EXERCISE_BY_KEY else b.exercise)}</td>'
        f'<td class="n">{len(b.submissions)}</td><td>{html.escape(b.message)}</td><td>{html.escape(", ".join(b.submissions))}</td></tr>'
        for b in bugs)
    return ("<table><tr><th>bug</th><th>exercise</th><th>submissions</th><th>what the learner sees</th><th>who</th></tr>"
            f"{rows}</table>")
