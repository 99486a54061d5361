"""The one retry rule, through the HTTP API on the embedded queue with the real sandbox: only
the queue retries, only platform faults, a bounded number of times; an author's fault and a
learner's are stored at once. How often the learner's code ran is counted from what it printed
(every attempt's stdout events are kept)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from feynlab.grading.verdicts import Fault, StaffDetails, Verdict
from feynlab.progress.models import ExerciseProgress
from feynlab.settings import Settings
from feynlab.submissions.models import SubmissionEvent
from tests.submissions.helpers import SOLUTION, read_events, submit, wait_done

pytestmark = pytest.mark.sandbox
LOUD = 'print("LEARNER CODE RAN")\n' + SOLUTION


class PlatformFaultsFirst:
    """The real runner, but the first ``n`` gradings come back as platform faults after the
    learner's code really ran (as when the sandbox loses track of a run at its end)."""

    def __init__(self, real: Any, n: int) -> None:
        self.real, self.left = real, n

    def run_code(self, **kwargs: Any) -> Any:
        return self.real.run_code(**kwargs)

    def grade(self, **kwargs: Any) -> Verdict:
        verdict: Verdict = self.real.grade(**kwargs)
        if self.left > 0:
            self.left -= 1
            return Verdict(
                status="infra-error",
                fault=Fault.platform,
                feedback="ours",
                staff=StaffDetails(platform_error="the sandbox lost track of the run"),
            )
        return verdict


def _app(settings: Settings, runner: Any) -> FastAPI:
    from feynlab.app import create_app

    quick = {"job_lease_s": 3.0, "idle_poll_s": 0.2, "event_poll_s": 0.05, "job_max_attempts": 3}
    return create_app(settings.model_copy(update=quick), runner=runner)


@pytest.fixture
def make_client(settings: Settings) -> Iterator[Any]:
    opened: list[TestClient] = []

    def make(runner: Any) -> TestClient:
        client = TestClient(_app(settings, runner))
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def _learner_runs(app: FastAPI, submission_id: int) -> int:
    with app.state.sessionmaker() as db:
        texts = db.scalars(
            select(SubmissionEvent.data).where(SubmissionEvent.submission_id == submission_id)
        ).all()
    return sum(str(e.get("text", "")).count("LEARNER CODE RAN") for e in texts)


def _progress_rows(app: FastAPI) -> int:
    with app.state.sessionmaker() as db:
        return len(db.scalars(select(ExerciseProgress)).all())


def test_a_platform_fault_is_retried_by_the_queue_alone(
    make_client,
    runner,
    make_user,
    login,
) -> None:
    client = make_client(PlatformFaultsFirst(runner, 1))
    headers = login(make_user())
    sub = submit(client, headers, LOUD)
    done = wait_done(client, f"/api/submissions/{sub['id']}", headers)
    assert done["status"] == "passed"
    assert _learner_runs(client.app, sub["id"]) == 2  # once per start, never twice per start
    kinds = [e["type"] for _, e in read_events(client, sub["events_url"], headers)]
    # Between the attempts the submission was queued again (with its place), not "running".
    assert kinds.index("started") < kinds.index("queued", 1) < len(kinds) - 1
    assert [k for k in kinds if k in ("queued", "started")] == ["queued", "started"] * 2


def test_platform_faults_stop_after_the_bounded_attempts_and_never_count(
    make_client,
    runner,
    make_user,
    login,
) -> None:
    client = make_client(PlatformFaultsFirst(runner, 10))
    headers = login(make_user())
    sub = submit(client, headers, LOUD)
    done = wait_done(client, f"/api/submissions/{sub['id']}", headers, timeout_s=90)
    assert (done["verdict"]["status"], done["verdict"]["fault"]) == ("infra-error", "platform")
    assert "3 times" in done["verdict"]["feedback"]
    assert _learner_runs(client.app, sub["id"]) == 3
    assert _progress_rows(client.app) == 0


def test_an_author_fault_runs_once_and_is_shown_to_staff(
    make_client,
    runner,
    make_user,
    login,
    settings,
) -> None:
    grader = settings.courses_dir / "example" / "exercises" / "add" / "grader.py"
    grader.write_text(grader.read_text().replace("return Result(", "return {}['boom'] and Result("))
    client = make_client(runner)
    headers = login(make_user())
    sub = submit(client, headers, LOUD)
    done = wait_done(client, f"/api/submissions/{sub['id']}", headers)
    verdict = done["verdict"]
    assert (verdict["status"], verdict["fault"]) == ("infra-error", "author")
    assert "being fixed" in verdict["feedback"] and verdict["staff"] is None
    assert _learner_runs(client.app, sub["id"]) == 1
    assert _progress_rows(client.app) == 0
    from feynlab.accounts.models import Role

    staff = login(make_user(Role.instructor))
    seen = client.get(f"/api/submissions/{sub['id']}", headers=staff).json()["verdict"]
    assert "KeyError: 'boom'" in seen["staff"]["grader_traceback"]


def test_a_learner_fault_runs_once_and_counts(
    make_client,
    runner,
    make_user,
    login,
) -> None:
    client = make_client(runner)
    headers = login(make_user())
    sub = submit(client, headers, LOUD + "\nraise ValueError('mine')\n")
    done = wait_done(client, f"/api/submissions/{sub['id']}", headers)
    assert (done["verdict"]["status"], done["verdict"]["fault"]) == ("error", "learner")
    assert "ValueError: mine" in done["verdict"]["error"]
    assert _learner_runs(client.app, sub["id"]) == 1
    assert _progress_rows(client.app) == 1
