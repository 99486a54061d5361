"""Tutorial code works offline in the sandbox: keras.datasets.{mnist,fashion_mnist}.load_data()
read the local copy and give the training data only, with a one-line note."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from feynlab.datasets import DATASETS, is_provisioned
from feynlab.grading.runner import Runner
from feynlab.sandbox.namespaces import probe
from feynlab.settings import get_settings

pytestmark = pytest.mark.sandbox

CELL = """
import numpy as np
from keras.datasets import fashion_mnist, mnist

for module, name in ((mnist, "mnist"), (fashion_mnist, "fashion")):
    (x_train, y_train), (x_test, y_test) = module.load_data()
    print(name, x_train.shape, y_train.shape, x_test.shape, y_test.shape, x_train.dtype)
from feynlab.datasets import load
data = load("mnist")
print("val", bool(np.array_equal(mnist.load_data()[1][0], data["x_val"])), sorted(data))
"""


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    reason = probe()
    if reason is not None:
        pytest.skip(f"no sandbox on this machine: {reason}")
    settings = get_settings()
    if not all(is_provisioned(n, data_dir=settings.data_dir) for n in DATASETS):
        pytest.skip("datasets not provisioned: run `feynlab datasets fetch`")
    with Runner(settings, workers=1) as r:
        yield r


def test_load_data_gives_the_training_data_split_offline(runner: Runner) -> None:
    result = runner.run_code(code=CELL)
    assert result.status == "ok", (result.status, result.error, result.output[-2000:])
    out = result.output
    assert "mnist (50000, 28, 28) (50000,) (10000, 28, 28) (10000,) uint8" in out
    assert "fashion (50000, 28, 28) (50000,) (10000, 28, 28) (10000,) uint8" in out
    assert "val True ['x_train', 'x_val', 'y_train', 'y_val']" in out
    # the note, once per dataset, for a beginner: where the real test set is
    assert out.count("The real test set is held by the grader.") == 2
    assert "/work" not in out and "Traceback" not in out
