"""``keras.datasets.mnist.load_data()`` and ``fashion_mnist.load_data()`` without a network.

Tutorials call them; in the sandbox there is no network, and the real test set is the grader's.
``install()`` (called where the zygote imports Keras) makes both return the local training data
split in two, as ``feynlab.datasets.load`` does: ``(x_train, y_train)`` the first 50,000 training
images and ``(x_test, y_test)`` the last 10,000 of them, uint8 as Keras returns them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

NOTE = (
    "Note: {name}.load_data() gives you the local training data: 50,000 images to train on and "
    "10,000 held out of the training set as the 'test' part. The real test set is held by the "
    "grader."
)
DATASET_OF = {"mnist": "mnist", "fashion_mnist": "fashion-mnist"}
_noted: set[str] = set()

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def offline_load_data(module: str) -> Callable[..., Arrays]:
    """A ``load_data`` for ``keras.datasets.<module>`` that reads the local copy."""

    def load_data(path: str | None = None, **_: Any) -> Arrays:
        from feynlab.datasets.service import load

        if module not in _noted:
            _noted.add(module)
            print(NOTE.format(name=module), file=sys.stderr, flush=True)
        data = load(DATASET_OF[module])
        return (
            (np.array(data["x_train"]), np.array(data["y_train"])),
            (np.array(data["x_val"]), np.array(data["y_val"])),
        )

    load_data.__doc__ = f"keras.datasets.{module}.load_data(), from Feynlab's local copy."
    return load_data


def install() -> None:
    """Point Keras's public and internal ``load_data`` of both datasets at the local copy."""
    import importlib

    for module in DATASET_OF:
        replacement = offline_load_data(module)
        for name in (f"keras.datasets.{module}", f"keras.src.datasets.{module}"):
            try:
                target = importlib.import_module(name)
            except ImportError:
                continue
            target.load_data = replacement  # type: ignore[attr-defined]
