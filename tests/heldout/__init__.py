"""The held-out catalogues of learner bugs and how to apply one.

``bugs.toml`` was written from the docstrings alone, before its author read
the grader's diagnosis, so that it measures the feedback on mistakes the
grader was not tuned for. ``fresh.toml`` is a second catalogue of different
mistakes, written later under the same rule (its author never read the
diagnosis code, the grader's own catalogue, nor the first catalogue's
judgements and results), for a measurement the grader was not tuned on.
``fresh2.toml`` is a third, written blind in the same way (its author read
none of the grader's diagnosis code, its catalogue, nor any judgements or
results) and different from both. ``fresh3.toml`` is a fourth, written
blind under the same rule and different from all three. ``fresh4.toml`` is
a fifth, written blind under the same rule and different from all four;
``fresh5.toml`` a sixth, ``fresh6.toml`` a seventh, ``fresh7.toml`` an eighth,
``fresh8.toml`` a ninth and ``fresh9.toml`` a tenth, likewise different from all before.
``fresh10.toml`` and ``fresh11.toml`` were written blind in the same way, but
as a class makes mistakes: the curriculum's classic mistakes and their
variants, which earlier catalogues may share (the edits are their own), and
in ``fresh11.toml`` most of them inside a whole function written in another
style than the reference's; ``fresh12.toml`` to ``fresh25.toml`` are more of
each kind, written two at a time (each file's header says how).
``measure.py`` grades every entry of any of them (``--bugs``).
"""

from __future__ import annotations

import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 has no tomllib
    import tomli as tomllib

CATALOGUE = Path(__file__).with_name("bugs.toml")
FRESH = Path(__file__).with_name("fresh.toml")
# Then every freshN.toml beside this file, in the order they were written (by N).
NUMBERED = sorted((p for p in CATALOGUE.parent.glob("fresh*.toml") if re.fullmatch(r"fresh\d+\.toml", p.name)),
                  key=lambda p: int(p.stem.removeprefix("fresh")))
CATALOGUES = (CATALOGUE, FRESH, *NUMBERED)
FIELDS = ("id", "exercise", "module", "edits", "cause")


def load_bugs(path: Path | str = CATALOGUE) -> list[dict]:
    """Every bug of the catalogue at ``path`` (``bugs.toml`` by default), in file order.

    Raises:
        ValueError: for a bug that lacks a field, or an id used twice in the file.
    """
    bugs = tomllib.loads(Path(path).read_text(encoding="utf-8"))["bug"]
    seen: set[str] = set()
    for bug in bugs:
        missing = [f for f in FIELDS if f not in bug]
        if missing:
            raise ValueError(f"bug {bug.get('id', '?')!r} lacks {missing}")
        if bug["id"] in seen:
            raise ValueError(f"bug id {bug['id']!r} is used twice")
        seen.add(bug["id"])
    return bugs


def apply(bug: dict, solutions_dir: Path | str) -> str:
    """The source of ``solutions_dir/<module>.py`` with the bug's edits made, in order.

    Raises:
        ValueError: naming the bug, when a find text does not occur exactly
            once in the source as it stands at that edit.
    """
    source = (Path(solutions_dir) / f"{bug['module']}.py").read_text(encoding="utf-8")
    for number, (find, replace) in enumerate(bug["edits"], 1):
        count = source.count(find)
        if count != 1:
            raise ValueError(
                f"bug {bug['id']!r}, edit {number}: the find text occurs {count} times "
                f"in {bug['module']}.py, not once: {find[:60]!r}"
            )
        source = source.replace(find, replace)
    return source
