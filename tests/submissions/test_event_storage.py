"""Event storage whatever the runner sends (issue 13.3/13.4, storage side): non-finite numbers,
a refused write, a flood. The runner is a stand-in passed by configuration (no sandbox needed):
the sandbox's own budget is tested with the sandbox; here storage must hold on its own."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from feynlab.grading.verdicts import RunResult, Verdict
from feynlab.settings import Settings
from feynlab.submissions import events
from feynlab.submissions.models import SubmissionEvent
from tests.submissions.helpers import SOLUTION, SUBMIT_URL, wait_done

NAN_PROGRESS = {
    "type": "progress",
    "epoch": 1,
    "epochs": 2,
    "batch": None,
    "batches": None,
    "logs": {"loss": float("nan"), "accuracy": float("inf"), "val_loss": 0.5},
}


class StandInRunner:
    """Sends the events it is given, then fails the submission with a plain verdict."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.hold = threading.Event()
        self.hold.set()

    def grade(self, *, exercise: Any, code: str, on_event: Any, view_seed: Any = None) -> Verdict:
        for event in self.events:
            on_event(event)
        self.hold.wait(30)
        return Verdict(status="failed", score=0.25, feedback="Not yet: try again.")

    def run_code(self, *, code: str, limits: Any, on_event: Any) -> RunResult:
        raise AssertionError("no code cells here")


@pytest.fixture
def stand_in() -> StandInRunner:
    return StandInRunner()


@pytest.fixture
def app(settings: Settings, stand_in: StandInRunner) -> FastAPI:
    from feynlab.app import create_app

    quick = {"job_lease_s": 3.0, "idle_poll_s": 0.2, "event_poll_s": 0.05}
    return create_app(settings.model_copy(update=quick), runner=stand_in)


def _strict(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise AssertionError(f"{name} is not JSON: a browser's JSON.parse drops this event")

    return json.loads(text, parse_constant=refuse)


def _stream(client: TestClient, sid: int, headers: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    with client.stream("GET", f"/api/submissions/{sid}/events", headers=headers) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data:"):
                out.append(_strict(line[5:].strip()))
    return out


def test_nan_progress_is_stored_as_null_and_the_run_keeps_its_output(
    client: TestClient, stand_in: StandInRunner, make_user, login
) -> None:
    """Regression: PostgreSQL refused NaN, the whole batch (stdout too) was lost and the job
    ended as infra-error after 4 starts; on SQLite the browser dropped the event."""
    stand_in.events = [{"type": "stdout", "text": "epoch 1\n"}, NAN_PROGRESS]
    headers = login(make_user())
    sid = client.post(SUBMIT_URL, json={"code": SOLUTION}, headers=headers).json()["id"]
    done = wait_done(client, f"/api/submissions/{sid}", headers)
    assert done["status"] == "failed" and done["verdict"]["fault"] == "learner"
    seen = _stream(client, sid, headers)
    kinds = [e["type"] for e in seen]
    assert "stdout" in kinds and kinds[-1] == "verdict", kinds
    progress = next(e for e in seen if e["type"] == "progress")
    assert progress["logs"] == {"loss": None, "accuracy": None, "val_loss": 0.5}


def test_the_verdict_is_stored_even_when_events_cannot_be(
    client: TestClient, stand_in: StandInRunner, make_user, login, monkeypatch
) -> None:
    """Regression: a failed event write raised out of the writer's close and the verdict was
    never stored (the job ran again and again)."""
    stand_in.events = [{"type": "stdout", "text": f"line {n}\n"} for n in range(20)]
    real = events.append_now

    def database_refuses_output(*, factory: Any, submission_id: int, events: Any) -> None:
        if any(e.get("type") == "stdout" for e in events):
            raise RuntimeError("the database refused this batch")
        real(factory=factory, submission_id=submission_id, events=events)

    monkeypatch.setattr(events, "append_now", database_refuses_output)
    headers = login(make_user())
    sid = client.post(SUBMIT_URL, json={"code": SOLUTION}, headers=headers).json()["id"]
    done = wait_done(client, f"/api/submissions/{sid}", headers)
    assert done["status"] == "failed" and done["score"] == 0.25


def test_a_flood_of_events_is_cut_with_one_note(
    app: FastAPI, client: TestClient, stand_in: StandInRunner, make_user, login
) -> None:
    flood = events.STORED_EVENTS_MAX + 500
    stand_in.events = [{"type": "stdout", "text": "x\n"} for _ in range(flood)]
    headers = login(make_user())
    sid = client.post(SUBMIT_URL, json={"code": SOLUTION}, headers=headers).json()["id"]
    done = wait_done(client, f"/api/submissions/{sid}", headers, timeout_s=120)
    assert done["status"] == "failed"
    with app.state.sessionmaker() as db:
        stored = list(
            db.scalars(
                select(SubmissionEvent.data)
                .where(SubmissionEvent.submission_id == sid)
                .order_by(SubmissionEvent.seq)
            )
        )
    printed = [e for e in stored if e["type"] == "stdout"]
    assert len(printed) == events.STORED_EVENTS_MAX
    notes = [e for e in stored if e["type"] == "stderr" and "more live output" in e["text"]]
    assert len(notes) == 1 and stored[-1]["type"] == "verdict"


def test_one_learner_cannot_hold_more_than_the_cap_of_open_streams(
    app: FastAPI, client: TestClient, stand_in: StandInRunner, make_user, login
) -> None:
    """Regression (issue 13.9): one learner opened 400 event streams."""
    cap = app.state.settings.streams_per_user
    stand_in.hold.clear()  # the submission stays running, so its streams stay open
    headers = login(make_user())
    sid = client.post(SUBMIT_URL, json={"code": SOLUTION}, headers=headers).json()["id"]
    url = f"/api/submissions/{sid}/events"
    threads = [threading.Thread(target=_stream, args=(client, sid, headers)) for _ in range(cap)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    hub = None
    while time.monotonic() < deadline:
        hub = getattr(app.state, "event_hub", None)
        if hub is not None and _open(hub) >= cap:
            break
        time.sleep(0.05)
    refused = client.get(url, headers=headers)
    assert refused.status_code == 429 and "live result streams" in refused.json()["detail"]
    other = login(make_user())
    assert client.get(f"/api/submissions/{sid}", headers=other).status_code == 404
    stand_in.hold.set()
    for thread in threads:
        thread.join(30)
    assert _open(hub) == 0
    assert _stream(client, sid, headers)[-1]["type"] == "verdict"


def _open(hub: Any) -> int:
    return sum(hub.streams._open.values())


def test_a_stream_dropped_before_its_first_byte_gives_its_place_back(app: FastAPI) -> None:
    """Regression: a client that left before the response began never ran the stream's
    ``finally``, so its reservation was never released and, after ``streams_per_user`` such
    drops, the learner could follow no result at all until a restart."""
    import gc

    from feynlab.submissions.stream import Hub

    hub = Hub(factory=app.state.sessionmaker, poll_s=0.1)
    for _ in range(3):
        assert hub.streams.reserve(7, cap=3)
        dropped = hub.stream(submission_id=1, after=0, user_id=7)  # never iterated
        del dropped
    gc.collect()
    assert _open(hub) == 0
    assert hub.streams.reserve(7, cap=3)
