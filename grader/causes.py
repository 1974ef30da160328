"""The catalogue's bugs as results on the visible probes: ``exercises/tests/causes.pt.gz``.

``pytest exercises`` names the likely cause of a failure the way the grader
does (``exercises/diagnosis.py``), but a release holds neither the reference
nor the catalogue's edits. So ``python -m grader build`` runs the visible
probes (``exercises/tests/probes.py``) on the reference and on every bug of
``grader/mutants.toml`` and ships only what came out::

    {exercise key: {"reference": {probe id: result},
                    "bugs": [{"id": ..., "hint": ..., "results": {probe id: result}}]}}

A bug's ``results`` hold only the probes it fails: on the others it gives the
reference's result, which ``exercises/causes.py`` fills back in. Results are
plain tensors, lists, dicts, numbers and strings; no code. The file is
``torch.save``'s bytes, gzipped: a torch file stores each of its hundreds of
small tensors as a record of its own, and compressed it is a third of the
size. ``exercises.causes.load`` reads it back with ``weights_only=True``.
"""

from __future__ import annotations

import gzip
import io
import math
from pathlib import Path
from typing import Any

import torch

from exercises.causes import load
from exercises.catalogue import EXERCISES, exercise_modules
from exercises.comparison import compare
from exercises.tests.probes import all_probes
from exercises.tests.probing import Probe, run

from .mutants import in_memory, load_mutants, sources

# Where the file lives, relative to the repository root.
CAUSES = Path("exercises") / "tests" / "causes.pt.gz"


def results(probes: list[Probe], texts: dict[str, str]) -> dict[str, Any]:
    """Each probe's result on the package whose modules are ``texts`` (loaded in memory, never written out)."""
    package = in_memory(texts, prefix="_causes_")
    return {p.id: run(p, package) for p in probes}


def table(root: Path) -> dict[str, Any]:
    """What ``causes.pt.gz`` holds, computed from ``root``'s ``solutions/`` and ``grader/mutants.toml``.

    Raises:
        RuntimeError: if a probe fails on the reference itself.
    """
    solutions = root / "solutions"
    reference = {m: (solutions / f"{m}.py").read_text(encoding="utf-8") for m in exercise_modules()}
    probes = all_probes()
    expected = results(probes, reference)
    broken = [p.id for p in probes if isinstance(expected[p.id], dict) and "raised" in expected[p.id]]
    if broken:
        raise RuntimeError(f"visible probes that fail on the reference itself: {broken}")
    exercises = {e.key: {"reference": {p.id: expected[p.id] for p in probes if p.exercise == e.key}, "bugs": []} for e in EXERCISES}
    for mutant in load_mutants(root / "grader" / "mutants.toml"):
        mine = [p for p in probes if p.exercise == mutant.exercise]
        produced = results(mine, sources(mutant, solutions))
        # Only what differs from the reference is kept: the rest is the reference's result.
        failed = {p.id: produced[p.id] for p in mine if compare(expected[p.id], produced[p.id], p) is not None}
        exercises[mutant.exercise]["bugs"].append({"id": mutant.id, "hint": mutant.hint, "results": failed})
    return exercises


def write(root: Path) -> Path:
    """Write ``causes.pt.gz`` under ``root``; return its path."""
    path = root / CAUSES
    data = io.BytesIO()
    torch.save(table(root), data)
    path.write_bytes(gzip.compress(data.getvalue(), mtime=0))  # no time stamp: the same table gives the same bytes
    return path


def stale(root: Path) -> bool:
    """Whether ``causes.pt.gz`` is missing, unreadable or differs from what ``write`` would store.

    The stored content is compared, not the bytes: ``torch.save`` need not
    write the same bytes twice, and float results may differ in their last
    bits between machines.
    """
    try:
        stored = load(root / CAUSES)
    except Exception:  # missing, truncated or not a torch file: all mean "build it again"
        return True
    return not same(stored, table(root))


def same(a: Any, b: Any) -> bool:
    """Whether two stored tables hold the same results: tensors equal in shape and dtype and nearly in value, NaN equal to NaN."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape and a.dtype == b.dtype
                and (torch.equal(a, b) if not a.is_floating_point() else torch.allclose(a, b, rtol=1e-5, atol=1e-7, equal_nan=True)))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[key], b[key]) for key in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-7) or (math.isnan(a) and math.isnan(b))
    return type(a) is type(b) and a == b
