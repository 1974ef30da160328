"""The grader's side of a sandboxed run: one submission's probes, in jailed child processes.

The grader drives, the child (``child.py``) obeys: the grader sends one
command at a time and accepts exactly one answer to it, of the expected kind,
within its time limit. A child that hangs, crashes, exits, answers out of
turn or sends anything malformed costs the check it was running; it is
killed (with everything it started: its PID namespace goes with it) and a
new child continues with the rest. A module whose import hung or crashed the
child is not imported again.

Each check runs in a ``Setting`` of stand-ins (``grader/standins/``), sent
only when the first check that needs it is about to run: the stand-ins of
earlier exercises once those exercises have been graded and their results
are final.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import standins, wire
from .checks import Check
from .jail import Jail

HERE = Path(__file__).resolve().parent
CHILD_FILES = ("child.py", "wire.py")


@dataclass(frozen=True)
class Limits:
    """How much a submission may take. Every probe needs well under a second.

    ``check_seconds`` and ``import_seconds`` are CPU seconds of the sandboxed
    process; one that waits instead is stopped after ``wall_factor`` times
    as long on the wall clock. A check that hangs or crashes costs a restart
    of the sandbox (about 1 s): ``submission_seconds`` (wall clock) bounds
    the total.
    """

    check_seconds: float = 10.0
    import_seconds: float = 20.0
    submission_seconds: float = 180.0
    wall_factor: float = 4.0
    memory_mb: int = 2048
    disk_mb: int = 64
    file_mb: int = 16
    processes: int = 64
    open_files: int = 256
    output_bytes: int = 20_000


@dataclass
class Outcome:
    """What one check of one submission produced: the probe's result, or why there is none."""

    value: Any = None
    failure: str | None = None


@dataclass(frozen=True)
class Task:
    """One probe to run: ``check`` in the stand-in ``setting``; its outcome is filed under ``key``."""

    key: str
    check: Check
    setting: standins.Setting = standins.Setting()

    @classmethod
    def grading(cls, check: Check) -> "Task":
        """The check as it is graded: with the stand-ins of earlier exercises."""
        return cls(check.id, check, standins.setting(check.exercise))


@dataclass(frozen=True)
class Code:
    """What is graded: an ``exercises/`` package in ``folder``, or the code cells of a notebook."""

    folder: Path | None = None
    cells: tuple[tuple[str, str], ...] = ()

    def units(self, modules: list[str]) -> list[tuple[str, str | None]]:
        """What the child loads before the checks: (name, source) of each module or cell."""
        return [(m, None) for m in modules] if self.folder is not None else list(self.cells)


class _Stop(Exception):
    """The current child is done for; why has already been recorded against a check or a module."""


class SandboxRun:
    """Runs every task on one submission's code, restarting the child after a hang or a crash."""

    def __init__(self, tasks: list[Task], code: Code, modules: list[str], limits: Limits, jail: Jail | None) -> None:
        self.tasks, self.code, self.modules, self.limits, self.jail = tasks, code, modules, limits, jail
        self.outcomes: dict[str, Outcome] = {}
        self.broken: dict[str, str] = {}
        self.output = bytearray()
        self.fatal: str | None = None

    def run(self) -> tuple[dict[str, Outcome], str]:
        deadline = time.monotonic() + self.limits.submission_seconds
        while not self.fatal and time.monotonic() < deadline and len(self.outcomes) < len(self.tasks):
            progress = (len(self.outcomes), len(self.broken))
            self._child(deadline)
            if (len(self.outcomes), len(self.broken)) == progress and not self.fatal and time.monotonic() < deadline:
                self.fatal = "the grading process stopped without finishing a check"
        reason = f"not run: {self.fatal}" if self.fatal else "not run: the submission used up its time limit"
        for task in self.tasks:
            self.outcomes.setdefault(task.key, Outcome(failure=reason))
        return self.outcomes, self.output.decode("utf-8", "replace")

    # --- one child ---------------------------------------------------------------------

    def _child(self, deadline: float) -> None:
        commands_read, commands_write = os.pipe()
        replies_read, replies_write = os.pipe()
        try:
            process = self._start(commands_read, replies_write)
        except Exception as error:  # the sandbox itself failed: nothing can be graded
            self.fatal = f"the sandbox could not start ({error})"
            return
        finally:
            os.close(commands_read)
            os.close(replies_write)
        os.set_blocking(commands_write, False)
        drain = threading.Thread(target=self._drain, args=(process.stdout,), daemon=True)
        drain.start()
        channel = _Channel(commands_write, replies_read, process, self.limits)
        try:
            self._converse(channel, deadline)
        except _Stop:
            pass
        finally:
            os.close(commands_write)
            os.close(replies_read)
            _kill(process)
            drain.join(timeout=5)
            process.stdout.close()

    def _start(self, commands: int, replies: int) -> subprocess.Popen:
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
        fds = (commands, replies)
        popen = dict(stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if self.jail is None:  # --no-sandbox: trusted code only
            command = [sys.executable, "-I", "-B", "-u", str(HERE / "child.py"), str(commands), str(replies)]
            return subprocess.Popen(command, pass_fds=fds, env={**env, "HOME": str(Path.home()), "TMPDIR": "/tmp"},
                                    cwd="/tmp", start_new_session=True, **popen)
        binds = {f"/sandbox/{name}": HERE / name for name in CHILD_FILES}
        binds |= {f"/sandbox/checks/{p.name}": p for p in sorted((HERE / "checks").glob("*.py"))}
        if self.code.folder is not None:
            binds["/submission/exercises"] = self.code.folder
        command = [sys.executable, "-I", "-B", "-u", "/sandbox/child.py", str(commands), str(replies)]
        return self.jail.start(command, binds, env, fds, **popen)

    def _converse(self, channel: _Channel, deadline: float) -> None:
        limits = self.limits
        job = {
            "limits": {"memory_mb": limits.memory_mb, "cpu_seconds": int(limits.submission_seconds) + 30, "file_mb": limits.file_mb,
                       "processes": limits.processes, "open_files": limits.open_files},
            "broken": self.broken if self.code.folder is not None else {},
            "notebook": self.code.folder is None,
            "submission": "/submission" if self.jail is not None else str(self.code.folder.parent if self.code.folder else ""),
        }
        channel.ask({"setup": job}, "ready", limits.import_seconds, deadline, on_fail=self._fatal)
        for name, source in self.code.units(self.modules):
            if name in self.broken:
                continue
            channel.ask({"load": name, "source": source}, "loaded", limits.import_seconds, deadline,
                        on_fail=lambda why, name=name: self._broken(name, why), expect=name)
        current = standins.Setting()
        for index, task in enumerate(self.tasks):
            if task.key in self.outcomes:
                continue
            if task.setting != current:
                command = {"standins": task.setting.sources(), "patches": task.setting.patch_map()}
                channel.ask(command, "patched", limits.check_seconds, deadline, on_fail=lambda why, task=task: self._failed(task, why))
                current = task.setting
            value = channel.ask({"run": index, "check": task.check.id}, "done", limits.check_seconds, deadline,
                                on_fail=lambda why, task=task: self._failed(task, why), expect=index)
            self.outcomes[task.key] = Outcome(value=value)

    # --- what a failure costs ------------------------------------------------------------

    def _fatal(self, why: str) -> None:
        self.fatal = f"the grading process failed to start: {why}"

    def _broken(self, module: str, why: str) -> None:
        what = f"exercises/{module}.py" if self.code.folder is not None else f"notebook cell {module}"
        self.broken[module] = f"importing {what} {why}"

    def _failed(self, task: Task, why: str) -> None:
        self.outcomes[task.key] = Outcome(failure=why)

    def _drain(self, stream) -> None:
        """Keep the start of what the learner's code printed; read and drop the rest so it never blocks."""
        for chunk in iter(lambda: stream.read(65536), b""):
            room = self.limits.output_bytes - len(self.output)
            if room > 0:
                self.output += chunk[:room]


class _Channel:
    """One command, one checked answer, within its time limit.

    A limit counts the CPU time of the sandboxed Python process, not the
    wall clock: a busy host, or another submission's runaway processes on
    the same cores, never makes correct code time out. Code that waits
    instead of computing (a sleep, a blocked read) is stopped by the wall
    clock after ``Limits.wall_factor`` times the limit.
    """

    def __init__(self, commands: int, replies: int, process: subprocess.Popen, limits: Limits) -> None:
        self.commands, self.replies, self.process, self.limits = commands, replies, process, limits
        self.buffer = b""
        self.caps = wire.Caps()
        self.clock = _CpuClock(process.pid)

    def ask(self, command: dict, answer: str, seconds: float, deadline: float, on_fail, expect: Any = True) -> Any:
        """Send ``command``; return the answer's ``value``, due within ``seconds`` and before ``deadline``.

        On any failure call ``on_fail(why)`` and raise ``_Stop``.
        """
        try:
            os.write(self.commands, wire.message(**command))
        except (BlockingIOError, BrokenPipeError):
            pass  # the child stopped reading or is gone: the wait below reports it
        try:
            reply = wire.decode(self._line(seconds, deadline), self.caps)
        except wire.WireError as error:
            on_fail(f"sent a result the grader refuses: {error}")
            raise _Stop from None
        except (_Timeout, _Died) as error:
            on_fail(str(error))
            raise _Stop from None
        if not isinstance(reply, dict) or reply.get(answer, object()) != expect or set(reply) - {answer, "value"}:
            on_fail(f"sent an answer out of turn ({_describe(reply)})")
            raise _Stop
        return reply.get("value")

    def _line(self, seconds: float, deadline: float) -> bytes:
        started, cpu_started = time.monotonic(), self.clock.seconds()
        wall_limit = min(deadline, started + self.limits.wall_factor * seconds)
        while b"\n" not in self.buffer:
            if len(self.buffer) > self.caps.line_bytes:
                return self.buffer  # decode refuses it by its length
            now = time.monotonic()
            if now >= deadline:
                raise _Timeout(f"stopped when the submission used up its time limit of {self.limits.submission_seconds:g} s")
            if now >= wall_limit:
                raise _Timeout(f"stopped after {now - started:.0f} s without an answer (is it waiting for something?)")
            cpu = self.clock.seconds()
            if cpu is not None and cpu_started is not None and cpu - cpu_started > seconds:
                raise _Timeout(f"stopped after the time limit of {seconds:g} s (an endless loop, or very slow code?)")
            if select.select([self.replies], [], [], min(0.2, wall_limit - now))[0]:
                chunk = os.read(self.replies, 1 << 20)
                if not chunk:
                    raise _Died(self.process)
                self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line


class _CpuClock:
    """The CPU seconds used by the sandboxed Python (all its threads), read from the host's /proc.

    The process is the first Python below ``root`` (bwrap, or Python itself
    without a sandbox). It is found once, before any learner code runs, so a
    process the learner starts later is never mistaken for it.
    """

    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, root: int) -> None:
        self.root, self.pid = root, None

    def seconds(self) -> float | None:
        if self.pid is None:
            self.pid = self._find()
        stat = _stat(self.pid) if self.pid else None
        return None if stat is None else (int(stat[11]) + int(stat[12])) / self.TICKS

    def _find(self) -> int | None:
        parents: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            stat = _stat(int(entry)) if entry.isdigit() else None
            if stat is not None:
                parents.setdefault(int(stat[1]), []).append(int(entry))
        queue = [self.root]
        while queue:
            pid = queue.pop(0)
            if _comm(pid).startswith("python"):
                return pid
            queue += parents.get(pid, [])
        return None


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state, ppid, ...), or None if it is gone."""
    try:
        text = open(f"/proc/{pid}/stat", "rb").read().decode("ascii", "replace")
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def _comm(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/comm", "rb").read().decode("ascii", "replace").strip()
    except OSError:
        return ""


class _Timeout(Exception):
    """No answer in time; the message says which limit."""


class _Died(Exception):
    def __init__(self, process: subprocess.Popen) -> None:
        try:
            code = process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        super().__init__(f"the grading process ended ({_how(code)}; os._exit, a crash or too much memory?)")


def _how(code: int | None) -> str:
    """An exit status in words; bwrap reports a child killed by signal N as 128 + N."""
    if code is None:
        return "still running"
    number = -code if code < 0 else code - 128 if code > 128 else 0
    try:
        return f"killed by signal {signal.Signals(number).name}"
    except ValueError:
        return f"exit code {code}"


def _describe(reply: Any) -> str:
    text = repr(reply)
    return text if len(text) <= 80 else text[:77] + "..."


def _kill(process: subprocess.Popen) -> None:
    """Kill the sandbox: bwrap's process group, and with it (die-with-parent, PID namespace) everything inside."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
    process.wait()
