"""A submission on disk: found, checked and read without trusting any of it.

A submission is a folder or a ``.zip`` holding an ``exercises/`` package (the
learner's copy; it may sit up to three folders down). Only that package's
``*.py`` files are graded. Everything is checked before anything is read,
and refused with a message that says what is wrong and what to submit:

- a folder with a symbolic link anywhere (the folder and ``exercises/``
  included), a special file, too many files, or a file over the size cap;
- a zip with any error: a bad CRC, encryption, an unknown compression, a
  path that leaves the archive, a symbolic link, too many members, or more
  bytes than the caps (checked while decompressing, not from the headers).

The files are only read here; what the sandbox gets is a fresh copy.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}\.py$")
COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


class SubmissionError(Exception):
    """A submission that cannot be graded at all; the message is shown to the instructor and the learner."""


@dataclass(frozen=True)
class Caps:
    """The most a submission may hold."""

    files: int = 2000
    file_bytes: int = 5_000_000
    total_bytes: int = 20_000_000


@dataclass(frozen=True)
class Package:
    """The learner's ``exercises/*.py``: file name -> bytes."""

    files: dict[str, bytes]

    @property
    def fingerprint(self) -> str:
        """A hash of exactly what is graded: the same files give the same fingerprint."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(f"{name}\0{len(self.files[name])}\0".encode())
            digest.update(self.files[name])
        return digest.hexdigest()

    def write(self, folder: Path) -> Path:
        """A readable copy as ``folder/exercises``; returns that package folder."""
        package = folder / "exercises"
        package.mkdir(parents=True)
        os.chmod(folder, 0o755)
        os.chmod(package, 0o755)
        for name, content in {"__init__.py": b"", **self.files}.items():
            (package / name).write_bytes(content)
            os.chmod(package / name, 0o644)
        return package


def read(submission: Path, caps: Caps = Caps()) -> Package:
    """The ``exercises/`` package of a folder or a zip.

    Raises:
        SubmissionError: for anything that is not a clean submission.
    """
    if submission.is_symlink():
        raise SubmissionError(f"{submission.name} is a symbolic link; submit the folder or zip itself")
    if submission.is_dir():
        try:
            files = _read_folder(submission, caps)
        except RecursionError:
            raise SubmissionError(f"{submission.name} nests its folders too deeply; submit only your exercises/ folder") from None
    elif submission.is_file() and submission.suffix.lower() == ".zip":
        files = _read_zip(submission, caps)
    elif submission.exists():
        raise SubmissionError(f"{submission.name} is neither a folder nor a .zip file")
    else:
        raise SubmissionError(f"{submission} does not exist")
    package = _find_package(files)
    if package is None:
        raise SubmissionError(f"no exercises/ package with Python files in {submission.name} (looked up to 3 folders down)")
    chosen = {path.name: content for path, content in files.items() if path.parent == package and MODULE_NAME.match(path.name)}
    return Package(chosen)


def read_loose(folder: Path, caps: Caps = Caps()) -> Package:
    """The ``*.py`` files at the top of ``folder``, as the package: for a learner who uploaded only the files.

    The whole folder is checked as ``read`` checks one (no links, no special
    files, the caps), so a link named ``attention.py`` cannot smuggle in a
    file of the grader's machine.

    Raises:
        SubmissionError: for anything that is not a clean folder, or one without a top-level ``.py`` file.
    """
    if folder.is_symlink() or not folder.is_dir():
        raise SubmissionError(f"{folder} is not a folder")
    files = _read_folder(folder, caps)
    chosen = {path.name: content for path, content in files.items() if len(path.parts) == 1 and MODULE_NAME.match(path.name)}
    if not chosen:
        raise SubmissionError(f"no Python files at the top of {folder.name}")
    return Package(chosen)


def _find_package(files: dict[PurePosixPath, bytes]) -> PurePosixPath | None:
    """The shallowest folder named ``exercises`` holding a ``.py`` file, at most three folders down."""
    found = sorted({p.parent for p in files if p.suffix == ".py" and p.parent.name == "exercises" and len(p.parent.parts) <= 4},
                   key=lambda p: (len(p.parts), str(p)))
    return found[0] if found else None


def _read_folder(root: Path, caps: Caps) -> dict[PurePosixPath, bytes]:
    """Every regular file under ``root`` whose path could hold the package, after checking the whole tree."""
    entries, total, wanted = 0, 0, []
    for folder, dirs, names in os.walk(root, followlinks=False):
        for name in dirs + names:
            path = Path(folder) / name
            entries += 1
            if entries > caps.files:
                raise SubmissionError(f"{root.name} holds more than {caps.files} files; submit only your exercises/ folder")
            info = path.lstat()
            where = path.relative_to(root)
            if stat.S_ISLNK(info.st_mode):
                raise SubmissionError(f"{root.name}/{where} is a symbolic link; submit real files only")
            if stat.S_ISDIR(info.st_mode):
                continue
            if not stat.S_ISREG(info.st_mode):
                raise SubmissionError(f"{root.name}/{where} is not a regular file")
            if info.st_nlink > 1:  # the same file as one somewhere else on this disk
                raise SubmissionError(f"{root.name}/{where} is a hard link; submit a copy of the file")
            if info.st_size > caps.file_bytes:
                raise SubmissionError(f"{root.name}/{where} has {info.st_size} bytes, more than the {caps.file_bytes // 1_000_000} MB a file may have")
            total += info.st_size
            if total > caps.total_bytes:
                raise SubmissionError(f"{root.name} holds more than {caps.total_bytes // 1_000_000} MB; submit only your exercises/ folder")
            if path.suffix == ".py" and len(where.parts) <= 5:
                wanted.append(where)
    return {PurePosixPath(*where.parts): _read_file(root / where, caps) for where in wanted}


def _read_file(path: Path, caps: Caps) -> bytes:
    """A file's bytes, opened without following links and read no further than the cap."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(caps.file_bytes + 1)
    if len(data) > caps.file_bytes:
        raise SubmissionError(f"{path.name} grew past {caps.file_bytes // 1_000_000} MB while it was read")
    return data


def _read_zip(path: Path, caps: Caps) -> dict[PurePosixPath, bytes]:
    if path.stat().st_size > caps.total_bytes:
        raise SubmissionError(f"{path.name} is larger than {caps.total_bytes // 1_000_000} MB; zip only your exercises/ folder")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > caps.files:
                raise SubmissionError(f"{path.name} has more than {caps.files} members; zip only your exercises/ folder")
            for member in members:
                _check_member(path.name, member, caps)
            files, total = {}, 0
            for member in members:
                data = _read_member(archive, member, caps)
                total += len(data)
                if total > caps.total_bytes:
                    raise SubmissionError(f"{path.name} unpacks to more than {caps.total_bytes // 1_000_000} MB")
                if not member.is_dir():
                    files[PurePosixPath(member.filename)] = data
            return files
    except SubmissionError:
        raise
    except Exception as error:  # BadZipFile (a bad CRC), NotImplementedError, EOFError, zlib.error, ...
        raise SubmissionError(f"{path.name} is not a readable zip file ({type(error).__name__}: {str(error)[:200]})") from None


def _check_member(zip_name: str, member: zipfile.ZipInfo, caps: Caps) -> None:
    name = member.filename
    parts = PurePosixPath(name).parts
    if not name or name.startswith(("/", "\\")) or ".." in parts or "\\" in name or "\0" in name or ":" in parts[0]:
        raise SubmissionError(f"{zip_name} has a member whose path leaves the archive: {name[:200]!r}")
    if stat.S_ISLNK(member.external_attr >> 16):
        raise SubmissionError(f"{zip_name} has a symbolic link, {name[:200]!r}; zip real files only")
    if member.flag_bits & 0x1:
        raise SubmissionError(f"{zip_name} is encrypted ({name[:200]!r}); submit a zip without a password")
    if member.compress_type not in COMPRESSIONS:
        raise SubmissionError(f"{zip_name} uses an unknown compression (method {member.compress_type}) for {name[:200]!r}")
    if member.file_size > caps.file_bytes:
        raise SubmissionError(f"{zip_name}: {name[:200]!r} unpacks to more than {caps.file_bytes // 1_000_000} MB")


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, caps: Caps) -> bytes:
    """A member's bytes, decompressed no further than the cap (headers can lie); the CRC is checked at its end."""
    chunks, size = [], 0
    with archive.open(member) as handle:
        while chunk := handle.read(1 << 16):
            size += len(chunk)
            if size > caps.file_bytes:
                raise SubmissionError(f"{member.filename[:200]!r} unpacks to more than {caps.file_bytes // 1_000_000} MB")
            chunks.append(chunk)
    return b"".join(chunks)
