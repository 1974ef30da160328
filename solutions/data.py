"""Loading IMDB: 25,000 training and 25,000 test reviews labelled 0 (neg) or 1 (pos).

Where the reviews come from, in order:

1. an explicit folder (``load_imdb(path)``, ``--data-dir``) or the
   ``IMDB_DIR`` environment variable, holding either
   - ``train*`` and ``test*`` files in Parquet, CSV or JSON lines with the
     columns ``text`` and ``label`` (the ``stanfordnlp/imdb`` layout; a
     Hugging Face snapshot's ``plain_text/train-00000-of-00001.parquet``
     qualifies), or
   - the original ``aclImdb`` folders: ``train/pos/*.txt``, ``train/neg``,
     ``test/pos``, ``test/neg``;
2. otherwise the Hugging Face hub, ``datasets.load_dataset("stanfordnlp/imdb")``,
   after a quick check that the hub answers (or that datasets has the
   reviews in its cache).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import datasets
import huggingface_hub
from huggingface_hub import constants as hub_constants

HUB_NAME = "stanfordnlp/imdb"
ENV_VAR = "IMDB_DIR"
SPLITS = ("train", "test")
LABELS = ("neg", "pos")  # label 0, label 1
LABEL_NAMES = {"neg": "negative", "pos": "positive"}  # as printed
_BUILDERS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "json", ".json": "json"}
# How long the hub gets to answer one request. Its own client retries a dead
# connection five times, printing a warning each time, for about 25 s before
# it gives up; one short request first tells an offline user at once.
HUB_PROBE_SECONDS = 3.0

HOW_TO_GET_DATA = f"""\
Could not load the IMDB reviews. Either
  - go online once: they are downloaded from the Hugging Face hub ({HUB_NAME}) and cached, or
  - point at local files: --data-dir DIR or {ENV_VAR}=DIR, where DIR holds
      train.parquet and test.parquet (columns text, label; 0 = neg, 1 = pos), e.g. from
      https://huggingface.co/datasets/{HUB_NAME}, or
      the unpacked aclImdb folder from https://ai.stanford.edu/~amaas/data/sentiment/, or
  - try the small offline sample: --data-dir data/sample"""


class DataNotFoundError(RuntimeError):
    """The reviews could not be found or read; the message says how to get them."""


def load_imdb(path: str | os.PathLike | None = None) -> datasets.DatasetDict:
    """IMDB as a ``DatasetDict`` with splits ``train`` and ``test`` and columns ``text``, ``label``.

    ``path`` (else ``$IMDB_DIR``) is a local folder; without one, the hub.

    Raises:
        DataNotFoundError: if the folder does not hold the data, or no folder
            is given and the hub cannot be reached.
    """
    path = path or os.environ.get(ENV_VAR)
    if path:
        return load_local(Path(path))
    _require_hub_or_cache()
    try:
        hub = datasets.load_dataset(HUB_NAME)
    # The hub fails in many ways (no network, no such dataset, a proxy, a
    # broken cache) and each raises its own type; all of them mean the same
    # thing to the user: use local files.
    except Exception as error:
        raise DataNotFoundError(f"{HOW_TO_GET_DATA}\n(the hub said: {error})") from error
    return datasets.DatasetDict({split: hub[split] for split in SPLITS})


def _require_hub_or_cache() -> None:
    """Fail within seconds, saying what to do, when the hub is unreachable and nothing is cached.

    Raises:
        DataNotFoundError: if the hub does not answer and datasets has no copy.
    """
    if datasets.config.HF_HUB_OFFLINE:
        return  # the user chose the cache; datasets fails fast there by itself
    problem = hub_problem()
    if problem is None:
        return
    if not in_datasets_cache():
        raise DataNotFoundError(
            f"The Hugging Face hub ({hub_constants.ENDPOINT}) cannot be reached: {problem}.\n{HOW_TO_GET_DATA}"
        )
    print(
        f"The Hugging Face hub cannot be reached ({problem}); reading the copy datasets cached earlier, "
        "after its client's retries (HF_HUB_OFFLINE=1 skips them).",
        file=sys.stderr,
    )


def hub_problem(timeout: float = HUB_PROBE_SECONDS) -> str | None:
    """Why the hub cannot be reached, or None when it answers (with any HTTP status).

    The request goes through the hub client's own session, so it sees the same
    proxies and certificates as the download that follows.
    """
    try:
        huggingface_hub.get_session().head(hub_constants.ENDPOINT, timeout=timeout)
    # Every way of not answering (no name, no route, refused, timed out, bad
    # certificate) has its own exception type, and they differ between the
    # versions of the client; all of them mean the same thing here.
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


def in_datasets_cache() -> bool:
    """Whether datasets prepared the hub's IMDB before: it then loads it without the network."""
    # The folder datasets' own offline fallback looks in: stanfordnlp___imdb/<config>/<version>/<hash>.
    folder = Path(datasets.config.HF_DATASETS_CACHE) / HUB_NAME.replace("/", "___")
    return any(p.is_dir() for p in folder.glob("*/*/*"))


def load_local(folder: Path) -> datasets.DatasetDict:
    """Read a local folder in either layout (see the module docstring)."""
    if not folder.is_dir():
        raise DataNotFoundError(f"{folder} is not a folder.\n{HOW_TO_GET_DATA}")
    for root in (folder, folder / "aclImdb"):
        if (root / "train" / "pos").is_dir():
            return datasets.DatasetDict({split: _read_acl_split(root / split) for split in SPLITS})
    files = {split: _split_files(folder, split) for split in SPLITS}
    suffixes = {f.suffix for split_files in files.values() for f in split_files}
    if len(suffixes) != 1:
        raise DataNotFoundError(
            f"{folder} must hold train and test files of one format ({', '.join(_BUILDERS)}), "
            f"found {[str(f) for split_files in files.values() for f in split_files] or 'none'}.\n"
            f"{HOW_TO_GET_DATA}"
        )
    data_files = {split: [str(f) for f in split_files] for split, split_files in files.items()}
    loaded = datasets.load_dataset(_BUILDERS[suffixes.pop()], data_files=data_files)
    for split in SPLITS:
        _check_columns(loaded[split], data_files[split])
    return datasets.DatasetDict({split: loaded[split].select_columns(["text", "label"]) for split in SPLITS})


def _split_files(folder: Path, split: str) -> list[Path]:
    """The data files of one split: ``train*`` or ``test*`` anywhere under ``folder``."""
    found = sorted(p for p in folder.rglob(f"{split}*") if p.is_file() and p.suffix in _BUILDERS)
    if not found:
        raise DataNotFoundError(
            f"no {split} data in {folder}: expected a file such as {split}.parquet "
            f"or the aclImdb folders {split}/pos and {split}/neg.\n{HOW_TO_GET_DATA}"
        )
    return found


def _read_acl_split(split_dir: Path) -> datasets.Dataset:
    """One split of the aclImdb layout: ``neg/*.txt`` are label 0, ``pos/*.txt`` label 1."""
    texts, labels = [], []
    for label, name in enumerate(LABELS):
        label_dir = split_dir / name
        if not label_dir.is_dir():
            raise DataNotFoundError(f"{label_dir} is missing: the aclImdb layout has {split_dir}/neg and {split_dir}/pos")
        for review in sorted(label_dir.glob("*.txt")):
            texts.append(review.read_text(encoding="utf-8"))
            labels.append(label)
    return datasets.Dataset.from_dict({"text": texts, "label": labels})


def _check_columns(split: datasets.Dataset, files: list[str]) -> None:
    """Fail early, naming the file, if a split is not (text, label in {0, 1})."""
    missing = {"text", "label"} - set(split.column_names)
    if missing:
        raise DataNotFoundError(f"{files[0]} has columns {split.column_names}; expected text and label")
    labels = set(split.unique("label"))
    if not labels <= {0, 1}:
        raise DataNotFoundError(f"{files[0]}: labels must be 0 (neg) or 1 (pos), found {sorted(labels)}")
