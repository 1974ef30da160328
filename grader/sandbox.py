"""The child process that runs the hidden probes on one learner's code.

    python -I grader/sandbox.py JOB.json STATUS_FD

It imports torch and the probes, then locks itself down before the learner's
package is imported: an audit hook (which no Python code can remove) refuses
network access, new processes, ctypes, writes outside its temporary folder,
imports of ``solutions``, ``grader`` and ``tests``, and reading the files of
those packages. Memory and file sizes are capped by the parent.

For each probe it writes ``start N`` and then ``done N`` to the status pipe,
with the result saved as ``OUT/N.pt``. The parent watches the time between
the two and reads each result as soon as it is done; the comparison with the
reference happens only there, so nothing this process does can change a grade.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_PACKAGES = ("solutions", "grader", "tests")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
BLOCKED_EVENTS = ("socket.", "subprocess.", "os.system", "os.exec", "os.fork", "os.posix_spawn", "os.spawn", "os.kill", "ctypes.", "pty.", "winreg.", "shutil.chown")
PATH_EVENTS = {"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link", "os.symlink", "os.truncate", "os.utime", "shutil.rmtree", "shutil.move", "shutil.copyfile", "shutil.copytree"}


def _inside(path: object, folder: str) -> bool:
    try:
        resolved = os.path.realpath(os.fsdecode(path)) if not isinstance(path, int) else None
    except (TypeError, ValueError):
        return False
    return resolved is not None and (resolved == folder or resolved.startswith(folder + os.sep))


def lock_down(workdir: str) -> None:
    """Install the audit hook: from now on the process can only compute and write in ``workdir``."""
    workdir = os.path.realpath(workdir)
    secrets = [os.path.realpath(ROOT / name) for name in SECRET_PACKAGES] + [os.path.realpath(ROOT / ".git")]

    def refuse(what: str) -> None:
        raise PermissionError(f"not allowed while grading: {what}")

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            if isinstance(path, int):
                return
            if any(_inside(path, secret) for secret in secrets):
                refuse(f"reading {os.fsdecode(path)}")
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & WRITE_FLAGS)
            if writing and not _inside(path, workdir) and os.fsdecode(path) != os.devnull:
                refuse(f"writing {os.fsdecode(path)} (only the grading folder is writable)")
        elif event == "import":
            top = str(args[0]).partition(".")[0]
            if top in SECRET_PACKAGES:
                refuse(f"importing {args[0]} (the reference and the grader are not available to submissions)")
        elif event in PATH_EVENTS:
            if not all(_inside(a, workdir) for a in args if isinstance(a, (str, bytes, os.PathLike))):
                refuse(f"{event} outside the grading folder")
        elif event.startswith(BLOCKED_EVENTS):
            refuse(event)

    sys.addaudithook(hook)


def limit_resources(memory_mb: int, cpu_seconds: int, file_mb: int) -> None:
    """Cap memory (allocations beyond it fail with MemoryError), CPU time and file sizes."""
    import resource

    for limit, value in ((resource.RLIMIT_AS, memory_mb * 2**20), (resource.RLIMIT_CPU, cpu_seconds), (resource.RLIMIT_FSIZE, file_mb * 2**20)):
        resource.setrlimit(limit, (value, value))


class _Broken(types.ModuleType):
    """Stands for a learner module that crashed or hung the grader when imported."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(name)
        self.__reason = reason

    def __getattr__(self, attribute: str):
        raise ImportError(self.__reason)


def main(job_path: str, status_fd: int) -> None:
    job = json.loads(Path(job_path).read_text())
    status = os.fdopen(status_fd, "w", buffering=1)
    limit_resources(**job["limits"])

    import torch  # noqa: F401 (import before the lock-down: torch loads libraries with ctypes)

    from grader.checks import Impl, all_checks, run_probe

    checks = {c.id: c for c in all_checks()}
    todo = [checks[check_id] for check_id in job["checks"]]
    for name in list(sys.modules):
        if name.partition(".")[0] in SECRET_PACKAGES:
            del sys.modules[name]  # the objects stay alive through `todo`; a later import must go through the hook
    # The learner's package is the only `exercises`: no fallback to the project's
    # copy through the path or an editable install's finder.
    sys.path[:] = [job["submission"]] + [p for p in sys.path if not _inside(p, str(ROOT)) or ".venv" in p]
    sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
    sys.path_hooks[:] = [h for h in sys.path_hooks if not getattr(h, "__module__", "").startswith("__editable__")]
    sys.path_importer_cache.clear()
    os.chdir(job["workdir"])
    torch.set_num_threads(1)
    lock_down(job["workdir"])

    for module, reason in job["broken"].items():
        sys.modules[f"exercises.{module}"] = _Broken(f"exercises.{module}", reason)
    for module in job["modules"]:
        if module in job["broken"]:
            continue
        print(f"import {module}", file=status)
        try:
            importlib.import_module(f"exercises.{module}")
        except BaseException:  # reported by each probe that uses the module
            pass
        print(f"imported {module}", file=status)

    impl = Impl("exercises")
    out = Path(job["out"])
    for index, check in zip(job["indices"], todo):
        print(f"start {index}", file=status)
        result = run_probe(check, impl)
        torch.save(result, out / f"{index}.pt")
        print(f"done {index}", file=status)
    print("finished", file=status)
    status.close()
    os._exit(0)  # skip the learner's atexit handlers and finalizers


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(sys.argv[1], int(sys.argv[2]))
