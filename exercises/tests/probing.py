"""How a visible probe is declared and run.

A probe is a function ``probe(code) -> result`` that calls the code under test
on fixed, public inputs and returns what came out: tensors, lists, numbers,
strings. The same probes run on the reference and on every catalogued bug
when ``python -m grader build`` writes ``causes.pt.gz``, and on the learner's
code when ``pytest exercises`` looks for the likely cause of a failure; the
results are compared with ``exercises.diagnosis``.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import torch

# The most values one result may hold: a learner's runaway list must not fill the memory.
MAX_VALUES = 100_000


@dataclass(frozen=True)
class Probe:
    """One probe of one exercise; ``id``, ``exercise``, ``atol`` and ``rtol`` are what ``diagnosis.compare`` needs."""

    exercise: str
    name: str
    function: Callable[[Package], Any]
    atol: float = 1e-5
    rtol: float = 1e-4

    @property
    def id(self) -> str:
        return self.exercise + "." + self.name


def probe(exercise: str, **tolerances: float) -> Callable[[Callable[[Package], Any]], Probe]:
    """Make the decorated function a ``Probe`` of ``exercise``, named after it."""
    return lambda function: Probe(exercise, function.__name__, function, **tolerances)


class Package:
    """The code under test: ``Package("exercises").attention`` is the module ``exercises.attention``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, module: str) -> ModuleType:
        if module[:1] == "_":  # copy and pickle look up dunder names: those import nothing
            raise AttributeError(f"{self.name} has no module {module!r}")
        return importlib.import_module(f"{self.name}.{module}")


def as_result(error: BaseException) -> dict[str, Any]:
    """An exception as data: its class and base classes' names, most specific first, and its message."""
    return {"raised": [kind.__name__ for kind in type(error).mro()], "message": str(error)[:500]}


def outcome(call: Callable[[], Any]) -> Any:
    """What ``call()`` returns or, when it raises, the exception as data (``as_result``)."""
    try:
        return call()
    except Exception as exc:
        return as_result(exc)


def run(probe: Probe, package: str) -> Any:
    """``probe`` on the package named ``package``, as plain data; whatever it raises becomes its result.

    The global seed is fixed first, so that code drawing random numbers
    (an unloaded layer, a dropout left on) gives the same result every run.
    It runs on one thread: on tensors this small, more threads only add
    start-up time per operation (ten times slower on a busy machine).
    """
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore")
        try:
            return plain(probe.function(Package(package)))
        except (Exception, SystemExit) as exc:  # a learner's sys.exit() must not end the test run
            return as_result(exc)
        finally:
            torch.set_num_threads(threads)


def plain(value: Any, budget: list[int] | None = None, depth: int = 0) -> Any:
    """``value`` as data that ``torch.save`` can store and ``torch.load(weights_only=True)`` read back.

    Tensors are detached copies; lists, tuples and dicts are copied item by
    item; anything else becomes ``{"unsupported": its type's name}``. At most
    ``MAX_VALUES`` values and 8 levels of nesting, so a list that holds
    itself ends instead of recursing forever.
    """
    budget = [MAX_VALUES] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0 or depth > 8:
        return {"unsupported": "too large or too deeply nested"}
    if torch.is_tensor(value):
        return value.detach().to("cpu").clone()
    if value is None or type(value) in (str, bool, int, float):  # exactly: a subclass may not load with weights_only
        return value
    if type(value) is torch.dtype:
        return repr(value)
    if isinstance(value, Mapping):
        return {str(key): plain(item, budget, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):  # torch.Size is a tuple
        copied = [plain(item, budget, depth + 1) for item in value]
        return copied if isinstance(value, list) else tuple(copied)
    return {"unsupported": f"a {type(value).__name__}"}
