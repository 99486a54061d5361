"""Datasets: provisioning with checksums (`feynlab datasets fetch`) and loaders."""

from __future__ import annotations

from feynlab.datasets.service import (
    DATASETS,
    DatasetMissing,
    fetch,
    fetch_command,
    is_provisioned,
    load,
    load_hidden,
    load_public,
)
from feynlab.datasets.sources import SourceError

__all__ = [
    "DATASETS",
    "DatasetMissing",
    "SourceError",
    "fetch",
    "fetch_command",
    "is_provisioned",
    "load",
    "load_hidden",
    "load_public",
]
