"""The IMDB loader (solutions/data.py) on every layout it accepts, and its errors."""

import os
from pathlib import Path

import datasets
import pytest

from solutions import data
from solutions.data import DataNotFoundError, load_imdb

# The real probe, kept before the autouse fixture below replaces it for every test.
HUB_PROBLEM = data.hub_problem


@pytest.fixture(autouse=True)
def hub_answers(monkeypatch):
    """The hub's reachability probe says it answers: no test touches the network."""
    monkeypatch.setattr(data, "hub_problem", lambda timeout=data.HUB_PROBE_SECONDS: None)
    monkeypatch.setattr(data.datasets.config, "HF_HUB_OFFLINE", False)


@pytest.fixture
def hub_unreachable(monkeypatch, tmp_path):
    """The probe fails as it does offline; the datasets cache is an empty folder."""
    monkeypatch.delenv("IMDB_DIR", raising=False)
    monkeypatch.setattr(data, "hub_problem", lambda timeout=data.HUB_PROBE_SECONDS: "ConnectError: [Errno -2] Name or service not known")
    monkeypatch.setattr(data.datasets.config, "HF_DATASETS_CACHE", tmp_path / "datasets-cache")
    return tmp_path / "datasets-cache"


def write_parquet(sample_dir: Path, folder: Path, names=("train.parquet", "test.parquet")) -> Path:
    """Copy the CSV sample into Parquet files named like the stanfordnlp/imdb ones."""
    folder.mkdir(parents=True, exist_ok=True)
    for split, name in zip(("train", "test"), names):
        datasets.Dataset.from_csv(str(sample_dir / f"{split}.csv")).to_parquet(str(folder / name))
    return folder


def write_acl(sample_dir: Path, folder: Path) -> Path:
    """Copy the sample into the original aclImdb layout: split/pos/ID_RATING.txt."""
    for split in ("train", "test"):
        rows = datasets.Dataset.from_csv(str(sample_dir / f"{split}.csv"))
        for i, row in enumerate(rows):
            target = folder / split / ("pos" if row["label"] else "neg")
            target.mkdir(parents=True, exist_ok=True)
            (target / f"{i}_{8 if row['label'] else 2}.txt").write_text(row["text"], encoding="utf-8")
    return folder


def assert_is_the_sample(imdb) -> None:
    assert set(imdb) == {"train", "test"}
    assert (imdb["train"].num_rows, imdb["test"].num_rows) == (88, 24)
    assert imdb["train"].column_names == ["text", "label"]
    assert sorted(imdb["train"]["label"]) == [0] * 44 + [1] * 44
    assert all(isinstance(t, str) and t for t in imdb["test"]["text"])


def test_loads_the_csv_sample(sample_dir):
    """The hand-written sample loads as 88 train and 24 test reviews."""
    assert_is_the_sample(load_imdb(sample_dir))


def test_loads_parquet_files(sample_dir, tmp_path):
    """train.parquet and test.parquet, the stanfordnlp/imdb layout."""
    assert_is_the_sample(load_imdb(write_parquet(sample_dir, tmp_path / "imdb")))


def test_loads_a_hugging_face_snapshot_folder(sample_dir, tmp_path):
    """plain_text/train-00000-of-00001.parquet, as a hub snapshot stores it."""
    write_parquet(sample_dir, tmp_path / "plain_text", ("train-00000-of-00001.parquet", "test-00000-of-00001.parquet"))
    assert_is_the_sample(load_imdb(tmp_path))


def test_loads_the_aclimdb_layout(sample_dir, tmp_path):
    """train/pos, train/neg, test/pos, test/neg text files; the aclImdb folder or its parent."""
    write_acl(sample_dir, tmp_path / "aclImdb")
    for folder in (tmp_path / "aclImdb", tmp_path):
        imdb = load_imdb(folder)
        assert_is_the_sample(imdb)
        positive = [t for t, y in zip(imdb["train"]["text"], imdb["train"]["label"]) if y == 1]
        assert "A wonderful surprise." in " ".join(positive)


def test_environment_variable_names_the_folder(sample_dir, monkeypatch):
    """Without a path, IMDB_DIR is used; an explicit path wins over it."""
    monkeypatch.setenv("IMDB_DIR", str(sample_dir))
    assert_is_the_sample(load_imdb())
    monkeypatch.setenv("IMDB_DIR", "/no/such/folder")
    assert_is_the_sample(load_imdb(sample_dir))


def test_without_a_folder_the_hub_is_asked(monkeypatch):
    """No path and no IMDB_DIR: datasets.load_dataset("stanfordnlp/imdb"), keeping train and test."""
    monkeypatch.delenv("IMDB_DIR", raising=False)
    calls = []
    fake = datasets.DatasetDict({
        split: datasets.Dataset.from_dict({"text": [f"{split} review"], "label": [1]})
        for split in ("train", "test", "unsupervised")
    })
    monkeypatch.setattr(data.datasets, "load_dataset", lambda name: calls.append(name) or fake)
    imdb = load_imdb()
    assert calls == ["stanfordnlp/imdb"]
    assert set(imdb) == {"train", "test"} and imdb["test"]["text"] == ["test review"]


def test_unreachable_hub_gives_one_clear_message(monkeypatch):
    """When the hub fails, the error says how to get the data instead of a traceback."""
    monkeypatch.delenv("IMDB_DIR", raising=False)

    def offline(name):
        raise ConnectionError("Couldn't reach 'stanfordnlp/imdb' on the Hub")

    monkeypatch.setattr(data.datasets, "load_dataset", offline)
    with pytest.raises(DataNotFoundError) as error:
        load_imdb()
    message = str(error.value)
    for hint in ("IMDB_DIR", "--data-dir", "train.parquet", "aclImdb", "data/sample", "Couldn't reach"):
        assert hint in message


def test_unreachable_hub_is_reported_at_once_without_the_hub_client(hub_unreachable, monkeypatch):
    """Offline with nothing cached: the probe's error and what to do, without datasets' 25 s of retries."""
    def retries(name):
        raise AssertionError("datasets.load_dataset was called although the hub cannot be reached")

    monkeypatch.setattr(data.datasets, "load_dataset", retries)
    with pytest.raises(DataNotFoundError) as error:
        load_imdb()
    message = str(error.value)
    assert message.startswith("The Hugging Face hub (") and "cannot be reached: ConnectError" in message, message
    for hint in ("IMDB_DIR", "--data-dir", "data/sample"):
        assert hint in message


def test_unreachable_hub_with_a_cached_copy_still_loads_it(hub_unreachable, monkeypatch, capsys):
    """Offline after an earlier download: datasets is asked (it reads its cache), and stderr says why it is slow."""
    (hub_unreachable / "stanfordnlp___imdb" / "plain_text" / "0.0.0" / "e6281661").mkdir(parents=True)
    fake = datasets.DatasetDict({split: datasets.Dataset.from_dict({"text": ["ok"], "label": [1]}) for split in ("train", "test")})
    monkeypatch.setattr(data.datasets, "load_dataset", lambda name: fake)
    assert load_imdb()["train"]["text"] == ["ok"]
    assert "HF_HUB_OFFLINE=1" in capsys.readouterr().err


def test_offline_mode_skips_the_probe(hub_unreachable, monkeypatch):
    """With HF_HUB_OFFLINE set, datasets goes straight to its cache: no probe of the hub."""
    monkeypatch.setattr(data.datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(data, "hub_problem", lambda timeout=None: pytest.fail("the hub was probed in offline mode"))
    monkeypatch.setattr(data.datasets, "load_dataset", lambda name: datasets.DatasetDict({
        split: datasets.Dataset.from_dict({"text": ["ok"], "label": [0]}) for split in ("train", "test")
    }))
    assert load_imdb()["test"]["label"] == [0]


class SilentHub:
    """A hub client session whose requests fail the way a dead network does."""

    def __init__(self) -> None:
        self.timeouts: list[float] = []

    def head(self, url: str, timeout: float):
        self.timeouts.append(timeout)
        raise TimeoutError("timed out")


def test_hub_probe_is_one_short_request_that_names_the_failure(monkeypatch):
    """The probe asks the hub once, with the short time-out, and returns the error's type and text."""
    session = SilentHub()
    monkeypatch.setattr(data.huggingface_hub, "get_session", lambda: session)
    assert HUB_PROBLEM() == "TimeoutError: timed out"
    assert session.timeouts == [data.HUB_PROBE_SECONDS] and data.HUB_PROBE_SECONDS <= 5


def test_missing_folder_is_named(tmp_path):
    """A path that is not a folder is named in the error."""
    with pytest.raises(DataNotFoundError, match="nothing-here is not a folder"):
        load_imdb(tmp_path / "nothing-here")


def test_folder_without_reviews_says_what_was_expected(tmp_path):
    """An empty folder names the split it could not find and the accepted layouts."""
    with pytest.raises(DataNotFoundError, match="no train data .* train.parquet"):
        load_imdb(tmp_path)


def test_files_with_other_columns_are_named(tmp_path):
    """A file without text/label columns is named, with the columns it has."""
    for split in ("train", "test"):
        (tmp_path / f"{split}.csv").write_text("review,sentiment\ngood,pos\n")
    with pytest.raises(DataNotFoundError, match=r"train.csv has columns \['review', 'sentiment'\]"):
        load_imdb(tmp_path)


def test_labels_other_than_0_and_1_are_rejected(tmp_path):
    """Labels must be 0 (neg) or 1 (pos); stars 1-10 are an error naming them."""
    for split in ("train", "test"):
        (tmp_path / f"{split}.csv").write_text("text,label\ngood,8\nbad,2\n")
    with pytest.raises(DataNotFoundError, match=r"found \[2, 8\]"):
        load_imdb(tmp_path)


def test_acl_layout_without_neg_folder_is_named(tmp_path):
    """A half-copied aclImdb folder names the missing folder."""
    (tmp_path / "train" / "pos").mkdir(parents=True)
    with pytest.raises(DataNotFoundError, match="neg is missing"):
        load_imdb(tmp_path)


@pytest.mark.skipif(not os.environ.get("IMDB_DIR"), reason="IMDB_DIR does not point at the full data set")
def test_full_imdb_has_25000_balanced_reviews_per_split():
    """The full data set: 25,000 train and 25,000 test reviews, half of each positive."""
    imdb = load_imdb()
    for split in ("train", "test"):
        assert imdb[split].num_rows == 25000
        assert sum(imdb[split]["label"]) == 12500
