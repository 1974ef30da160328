"""The process inside the sandbox: it runs the hidden probes on one learner's code.

    python -I -B -u child.py COMMANDS_FD REPLIES_FD    (-u: what the learner prints is never lost in a buffer)

It sees what ``grader/jail.py`` mounts: this file, ``wire.py`` and the probes
(``checks/``, read-only), the learner's files (read-only), Python and its
packages (read-only) and an empty, size-capped ``/tmp``. It caps its own
resources before any learner code runs, then obeys the grader, one command
per line, answering each on the reply pipe:

    {"setup": {...}}                       -> {"ready": true}
    {"load": NAME}                         -> {"loaded": NAME}       import a module, or run a notebook cell
    {"standins": [SOURCE, ...], "patches": {...}}  -> {"patched": true}
    {"run": INDEX, "check": ID}            -> {"done": INDEX, "value": ...}

The grader checks every answer (``wire.decode``) and compares the values
with the reference in its own process. Nothing here is secret: the probes
build their inputs in the open; the stand-ins arrive only after the
exercises they stand in for have been graded.
"""

from __future__ import annotations

import importlib
import os
import resource
import sys
import types


def limit_resources(limits: dict[str, int]) -> None:
    """Cap this process and its children; a learner cannot raise a hard limit back up.

    Memory is capped per process; if many processes together still exhaust
    the machine, the kernel's out-of-memory killer picks these first, never
    the grader or another submission's sandbox.
    """
    try:
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("1000")
    except OSError:
        pass
    for name, value in (
        ("RLIMIT_AS", limits["memory_mb"] * 2**20),
        ("RLIMIT_CPU", limits["cpu_seconds"]),
        ("RLIMIT_FSIZE", limits["file_mb"] * 2**20),
        ("RLIMIT_NOFILE", limits["open_files"]),
        ("RLIMIT_NPROC", limits["processes"]),
        ("RLIMIT_CORE", 0),
    ):
        resource.setrlimit(getattr(resource, name), (value, value))


class _Broken(types.ModuleType):
    """Stands for a learner module that crashed or hung the sandbox when imported."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(name)
        self.__reason = reason

    def __getattr__(self, attribute: str):
        raise ImportError(self.__reason)


class Child:
    """The command loop, with the state one submission's probes need."""

    def __init__(self, commands, replies) -> None:
        self.commands, self.replies = commands, replies
        self.notebook: dict | None = None
        self.patches: dict = {}
        self.standins: dict = {}

    def reply(self, **fields) -> None:
        from wire import message

        self.replies.write(message(**fields))
        self.replies.flush()

    def setup(self, job: dict) -> None:
        limit_resources(job["limits"])
        import torch

        torch.set_num_threads(1)
        import checks

        self.checks = {c.id: c for c in checks.all_checks()}
        for module, reason in job["broken"].items():
            sys.modules[f"exercises.{module}"] = _Broken(f"exercises.{module}", reason)
        if job["notebook"]:
            self.notebook = {"__name__": "__main__"}
            self.impl = checks.NamespaceImpl(self.notebook)
        else:
            sys.path.insert(0, job["submission"])
            self.impl = checks.Impl("exercises")

    def load(self, name: str, source: str | None) -> None:
        """Import ``exercises.<name>``, or run one notebook cell; a failure is reported by the probes that need it."""
        try:
            if self.notebook is None:
                importlib.import_module(f"exercises.{name}")
            else:
                exec(compile(source, f"<cell {name}>", "exec"), self.notebook)
        except BaseException:
            pass

    def run(self, check_id: str):
        from checks import run_probe
        from wire import encode

        return encode(run_probe(self.checks[check_id], self.impl, self.patches, self.standins))

    def serve(self) -> None:
        import json

        for line in self.commands:
            command = json.loads(line)
            if "setup" in command:
                self.setup(command["setup"])
                self.reply(ready=True)
            elif "load" in command:
                self.load(command["load"], command.get("source"))
                self.reply(loaded=command["load"])
            elif "standins" in command:
                from checks import standin_namespace

                self.standins = standin_namespace(command["standins"])
                self.patches = command["patches"]
                self.reply(patched=True)
            elif "run" in command:
                self.reply(done=command["run"], value=self.run(command["check"]))
        os._exit(0)  # skip the learner's atexit handlers and finalizers


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    Child(os.fdopen(int(sys.argv[1]), "rb"), os.fdopen(int(sys.argv[2]), "wb")).serve()
