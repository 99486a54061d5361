"""Helpers of the submission tests: example code, waiting for verdicts, reading event streams."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import EXAMPLE_COURSES

ADD = EXAMPLE_COURSES / "example" / "exercises" / "add"
SOLUTION = (ADD / "solution.py").read_text()
STARTER = (ADD / "starter.py").read_text()
SUBMIT_URL = "/api/courses/example/exercises/add/submissions"


def submit(client: TestClient, headers: dict[str, str], code: str = SOLUTION) -> dict[str, Any]:
    response = client.post(SUBMIT_URL, json={"code": code}, headers=headers)
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_done(
    client: TestClient, url: str, headers: dict[str, str], timeout_s: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(url, headers=headers).json()
        if body["state"] == "done":
            return body
        time.sleep(0.05)
    raise AssertionError(f"{url} not done after {timeout_s}s: {body}")


def read_events(
    client: TestClient,
    url: str,
    headers: dict[str, str],
    *,
    last_event_id: str | None = None,
    stop_after: str | None = None,
) -> list[tuple[str | None, dict[str, Any]]]:
    """(id, event) pairs of an SSE stream until it ends, or until an event of type stop_after."""
    sent = dict(headers)
    if last_event_id is not None:
        sent["Last-Event-ID"] = last_event_id
    out: list[tuple[str | None, dict[str, Any]]] = []
    with client.stream("GET", url, headers=sent, timeout=60) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        event_id: str | None = None
        for line in response.iter_lines():
            if line.startswith("id:"):
                event_id = line[3:].strip()
            elif line.startswith("data:"):
                event = json.loads(line[5:].strip())
                out.append((event_id, event))
                event_id = None
                if stop_after is not None and event["type"] == stop_after:
                    break
    return out
