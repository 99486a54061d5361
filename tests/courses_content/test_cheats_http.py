"""The cheats of tests/courses_content/, submitted as a learner would: through the HTTP API of
the app `feynlab serve` builds, to the shipped courses, graded by its queue in the real sandbox
on the provisioned datasets. Each one fails, or is refused at the door:

- published test labels carried in, by position or by image hash: the files are larger than the
  exercise's code-size cap (413, the limit named); a position table cut to fit under the cap is
  graded, and fails on the shuffled view;
- the OS's copy of the Fashion-MNIST test set (Debian's `dataset-fashion-mnist`): not readable
  in the sandbox, for fashion-cnn and fashion-clusters;
- the hidden labels where the host keeps them: not readable either;
- Snake's evaluation seed read back from the training environment: the seeds are independent;
- a conv claim: a model describing itself with a Conv2D layer (quick: an untrained one; slow:
  a trained dense network wrapped in an object that claims a convolution).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from feynlab.datasets import DATASETS, is_provisioned
from feynlab.grading.queue.runners import build_runner, close_runner
from feynlab.sandbox.namespaces import probe
from feynlab.settings import Settings, get_settings
from tests.submissions.helpers import wait_done

from .conftest import COURSES_DIR, WRONG_DIR

pytestmark = pytest.mark.sandbox

GRADED = [  # (exercise, cheat): graded through the queue, must not pass
    pytest.param(
        "supervised-1/mnist-classifier", "cheat_read_hidden_labels.py", id="hidden-labels"
    ),
    pytest.param("supervised-2/fashion-cnn", "cheat_os_dataset_files.py", id="os-files-cnn"),
    pytest.param(
        "unsupervised-1/fashion-clusters", "cheat_os_dataset_files.py", id="os-files-clusters"
    ),
    pytest.param("qlearning-snake/snake-3x3", "cheat_seed_read_back.py", id="seed-read-back"),
    pytest.param("supervised-2/fashion-cnn", "cheat_fake_config.py", id="conv-claim-untrained"),
    pytest.param(
        "supervised-2/fashion-cnn",
        "cheat_conv_claim_dense.py",
        id="conv-claim-trained-dense",
        marks=pytest.mark.slow,
    ),
]
TOO_LARGE = [  # (exercise, cheat): refused at submit, larger than the exercise's cap
    ("supervised-1/mnist-classifier", "cheat_labels_by_position.py"),
    ("supervised-1/mnist-classifier", "cheat_labels_by_hash.py"),
    ("supervised-2/fashion-cnn", "cheat_labels_by_position.py"),
    ("unsupervised-1/fashion-clusters", "cheat_labels_by_position.py"),
]
CUT_TO = 6000  # published labels kept by the cut position cheat (under the 8 KB cap)


@pytest.fixture(scope="module")
def real_data() -> Path:
    reason = probe()
    if reason is not None:
        pytest.skip(f"no sandbox on this machine: {reason}")
    data_dir = get_settings().data_dir
    missing = [n for n in DATASETS if not is_provisioned(n, data_dir=data_dir)]
    if missing:
        pytest.skip(
            f"datasets not provisioned ({', '.join(missing)}): run `feynlab datasets fetch`"
        )
    return data_dir


@pytest.fixture(scope="module")
def runner(real_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    base = tmp_path_factory.mktemp("cheats-runner")
    settings = Settings(
        env="test",
        secret_key="test-secret-key-0123456789",
        courses_dir=COURSES_DIR,
        data_dir=real_data,
        var_dir=base / "var",
    )
    built = build_runner(settings, settings.runner_factory)
    yield built
    close_runner(built)


@pytest.fixture
def settings(db_url: str, tmp_path: Path, real_data: Path) -> Settings:
    return Settings(
        env="test",
        secret_key="test-secret-key-0123456789",
        database_url=db_url,
        courses_dir=COURSES_DIR,
        data_dir=real_data,
        var_dir=tmp_path / "var",
        frontend_dir=tmp_path / "no-frontend",
        create_demo_users=False,
        workers=1,
    )


@pytest.fixture
def app(settings: Settings, runner: Any) -> FastAPI:
    from feynlab.app import create_app

    settings.job_lease_s, settings.idle_poll_s, settings.event_poll_s = 3.0, 0.2, 0.05
    return create_app(settings, runner=runner)


def submit(client: TestClient, headers: dict[str, str], target: str, code: str) -> Any:
    course, slug = target.split("/")
    return client.post(
        f"/api/courses/{course}/exercises/{slug}/submissions", json={"code": code}, headers=headers
    )


def graded(client: TestClient, headers: dict[str, str], target: str, code: str) -> dict:
    response = submit(client, headers, target, code)
    assert response.status_code == 202, response.text
    done = wait_done(client, f"/api/submissions/{response.json()['id']}", headers, timeout_s=900)
    verdict: dict = done["verdict"]
    return verdict


def cut_position_cheat(text: str) -> str:
    """The position cheat with only the first CUT_TO published labels, repeated to the length
    asked for: small enough for the code-size cap, as right by position as the whole table."""
    tree = ast.parse(text)
    node = next(
        n
        for n in tree.body
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "PUBLISHED"
    )
    table = ast.literal_eval(node.value)
    source = ast.get_source_segment(text, node.value)
    assert source and len(table) == 10_000
    cut = text.replace(source, repr(table[:CUT_TO]))
    return cut.replace("PUBLISHED[: len(x)]", "(PUBLISHED * 2)[: len(x)]")


@pytest.mark.parametrize(("target", "cheat"), GRADED)
def test_a_cheat_submitted_through_the_api_fails(
    client: TestClient, make_user, login, target: str, cheat: str
) -> None:
    headers = login(make_user())
    verdict = graded(client, headers, target, (WRONG_DIR / target / cheat).read_text())
    assert verdict["status"] in ("failed", "error"), verdict
    assert verdict["feedback"].strip(), verdict
    assert verdict["fault"] == "learner", verdict  # the learner's code failed, not the platform


@pytest.mark.parametrize(("target", "cheat"), TOO_LARGE)
def test_a_cheat_carrying_published_labels_is_refused_at_submit(
    client: TestClient, make_user, login, target: str, cheat: str
) -> None:
    headers = login(make_user())
    code = (WRONG_DIR / target / cheat).read_text()
    response = submit(client, headers, target, code)
    assert response.status_code == 413, response.text
    assert "the limit is 8 KB" in response.json()["detail"]


def test_published_labels_cut_to_fit_the_cap_fail_on_the_shuffled_view(
    client: TestClient, make_user, login
) -> None:
    target = "supervised-1/mnist-classifier"
    code = cut_position_cheat((WRONG_DIR / target / "cheat_labels_by_position.py").read_text())
    assert len(code.encode()) < 8 * 1024
    headers = login(make_user())
    verdict = graded(client, headers, target, code)
    assert verdict["status"] == "failed", verdict
    assert verdict["metrics"]["accuracy"] < 0.3, verdict  # chance is 0.10: position means nothing
