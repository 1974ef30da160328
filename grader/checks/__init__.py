"""The hidden checks: probes run on the learner's code and on the reference, then compared.

A check is a *probe*, a function of an ``Impl`` (the code under test) that
builds seeded inputs, calls the code and returns what came out. The grader
runs every probe twice, on ``solutions`` (in its own, trusted process) and on
the learner's ``exercises`` (in a sandboxed child process), and compares the
two results with ``torch.testing.assert_close``. The learner's process never
sees the reference or the expected values: there is nothing in it to copy or
to patch. This package is mounted read-only into the sandbox, so it holds
probes and hidden inputs only, never a correct answer (the stand-ins live in
``grader/standins/``).

Modules are compared by loading the same weights into both (see
``helpers.state``), so the learner's order of creating layers never matters.
"""

from __future__ import annotations

import importlib
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType, SimpleNamespace
from typing import Any

import torch

EXERCISE_ORDER = ("vocab", "padding", "embedding", "attention", "positional", "qkv", "classifier", "sinusoidal")


@dataclass(frozen=True)
class Check:
    """One hidden check.

    Attributes:
        exercise: the exercise's key (its pytest marker), e.g. ``"attention"``.
        name: unique within the exercise; ``points.toml`` gives its points.
        probe: ``probe(impl) -> result``; deterministic given the seed.
        hint: what the check looks at, shown to the learner when it fails.
        atol, rtol: tolerances for floating-point results.
    """

    exercise: str
    name: str
    probe: Callable[[Any], Any]
    hint: str
    atol: float = 1e-5
    rtol: float = 1e-4

    @property
    def id(self) -> str:
        return f"{self.exercise}.{self.name}"


CHECKS: list[Check] = []


def check(exercise: str, hint: str, **tolerances: float) -> Callable:
    """Register the decorated probe as a check of ``exercise``."""

    def register(probe: Callable) -> Callable:
        CHECKS.append(Check(exercise, probe.__name__, probe, hint, **tolerances))
        return probe

    return register


def all_checks() -> list[Check]:
    """Every check, in course order (so that each exercise is graded before those that build on it)."""
    from . import attention, classifier, embedding, padding, positional, qkv, sinusoidal, vocab  # noqa: F401 (registers)

    return sorted(CHECKS, key=lambda c: EXERCISE_ORDER.index(c.exercise))


# --- the code under test ------------------------------------------------------------------


class Impl:
    """The code under test: ``impl.attention`` is the module ``<package>.attention``."""

    def __init__(self, package: str) -> None:
        self.package = package

    def __getattr__(self, module: str) -> ModuleType:
        if module.startswith("_"):
            raise AttributeError(module)
        return importlib.import_module(f"{self.package}.{module}")

    def namespace(self, module: str) -> dict:
        """The global names of one module (what stand-ins are patched into)."""
        return vars(getattr(self, module))


class NamespaceImpl(Impl):
    """Code defined in one namespace, such as a notebook's ``globals()``: every module is that namespace."""

    def __init__(self, namespace: dict) -> None:
        self._ns = namespace

    def __getattr__(self, module: str) -> SimpleNamespace:
        if module.startswith("_"):
            raise AttributeError(module)
        return _View(self._ns)

    def namespace(self, module: str) -> dict:
        return self._ns


class _View:
    def __init__(self, namespace: dict) -> None:
        self._ns = namespace

    def __getattr__(self, name: str) -> Any:
        try:
            return self._ns[name]
        except KeyError:
            raise AttributeError(f"{name} is not defined: run the cell that defines it") from None


def standin_namespace(sources: list[str]) -> dict[str, Any]:
    """Execute stand-in source texts, in order, into one namespace (a later one may use an earlier one's names)."""
    namespace: dict[str, Any] = {"__name__": "standins"}
    for source in sources:
        exec(compile(source, "<stand-in>", "exec"), namespace)
    return namespace


@contextmanager
def isolated(impl: Impl, patches: dict[str, tuple[str, ...]], standins: dict[str, Any]) -> Iterator[None]:
    """Replace what the code under test imports from earlier exercises by the grader's stand-ins.

    ``patches`` maps a module of ``impl`` to the names replaced in it, taken
    from ``standins``. Exercise 7 is then graded on the learner's block and
    classifier alone: a mistake in their ``SelfAttention`` costs points in
    Exercise 6 only.
    """
    saved = []
    for module, names in patches.items():
        try:
            namespace = impl.namespace(module)
        except BaseException:  # the module does not import: its own checks report why
            continue
        for name in names:
            if name in namespace:
                saved.append((namespace, name, namespace[name]))
                namespace[name] = standins[name]
    try:
        yield
    finally:
        for namespace, name, original in reversed(saved):
            namespace[name] = original


# --- results: what a probe returned, in a form that can cross processes --------------------


def raised(error: BaseException) -> dict:
    """An exception as data: the names of its classes, most specific first, its message and, when it
    came from the code under test, where: the deepest line of that code it passed through."""
    found = {"raised": [cls.__name__ for cls in type(error).__mro__], "message": str(error)[:500]}
    where = _where(error)
    return found | ({"at": where} if where else {})


# Frames that are not the code under test: Python, its packages, the probes, the stand-ins, and the
# helpers given with the exercises (validate.py: a check it raises belongs to the line that called it).
_NOT_UNDER_TEST = ("/site-packages/", "/lib/python", "/checks/", "<stand-in>", "<frozen", "<string>", "validate.py")


def _where(error: BaseException) -> str | None:
    """``attention.py:103, in attention_weights: scores = ...`` for the last frame of the code under test, if any."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not any(part in f.filename for part in _NOT_UNDER_TEST)]
    if not frames:
        return None
    frame = frames[-1]
    name = frame.filename.rstrip(">").rsplit("/", 1)[-1].lstrip("<")
    statement = f": {frame.line.strip()[:120]}" if frame.line else ""
    return f"{name}:{frame.lineno}, in {frame.name}{statement}"


def outcome(function: Callable[[], Any], call: str | None = None) -> Any:
    """``function()``, or the exception it raised as data (for probes of error handling).

    ``call`` says in words what was called, e.g. ``"SelfAttention(8, heads=0)"``:
    the reference's result carries it, so that feedback can say which call
    must raise what.
    """
    try:
        return function()
    except Exception as error:
        return raised(error) | ({"call": call} if call else {})


def outcome_naming(function: Callable[[], Any], call: str, documented: str, *names: str) -> Any:
    """``outcome``, where the ``documented`` exception is not the documented one when its message lacks one of ``names``.

    Its class is renamed, e.g. "IndexError (its message not naming 12 and 7)",
    so that it fails the check like any other wrong exception and the feedback
    says "CALL must raise IndexError, but it raised IndexError (its message not ...)".
    """
    found = outcome(function, call)
    if isinstance(found, dict) and found.get("raised", [None])[0] == documented and not all(name in found["message"] for name in names):
        found["raised"] = [f"{documented} (its message not naming {' and '.join(dict.fromkeys(names))})"]
    return found


def run_probe(check: Check, impl: Impl, patches: dict[str, tuple[str, ...]] | None = None, standins: dict[str, Any] | None = None) -> Any:
    """Run one probe on ``impl`` with a fixed seed, the stand-ins patched in; exceptions become data."""
    torch.manual_seed(0)
    with warnings.catch_warnings(), isolated(impl, patches or {}, standins or {}):
        warnings.simplefilter("ignore")
        try:
            return safe(check.probe(impl))
        except (Exception, SystemExit) as error:
            return raised(error)


def safe(value: Any, depth: int = 0, budget: list[int] | None = None) -> Any:
    """``value`` reduced to plain data (see ``grader/wire.py``), at most 8 levels deep and 100,000 values.

    The budget is shared by the whole walk, so that a list holding itself
    (or the same sub-list a thousand times) costs no more than its size.
    """
    budget = [100_000] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        return {"unsupported": "more than 100,000 values"}
    if depth > 8:
        return {"unsupported": "nesting deeper than 8"}
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, torch.dtype):
        return str(value)
    if isinstance(value, (list, tuple, torch.Size)):
        items = [safe(v, depth + 1, budget) for v in list(value)[:10000]]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return {str(k): safe(v, depth + 1, budget) for k, v in list(value.items())[:10000]}
    return {"unsupported": type(value).__name__}
