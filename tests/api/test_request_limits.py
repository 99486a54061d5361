"""Request size limits through the HTTP API (issue 13.9): a huge body is refused with a 413
before it is read whole, whether its length is declared or it comes chunked."""

from __future__ import annotations

import time
from collections.abc import Iterator

from fastapi.testclient import TestClient

CHUNK = b"x" * (1024 * 1024)


def test_a_300_mb_chunked_login_body_is_refused_fast(
    client: TestClient,
) -> None:
    """Regression: a 300 MB login body took the server from 119 MB to 987 MB before a 422."""

    def body() -> Iterator[bytes]:
        for _ in range(300):
            yield CHUNK

    started = time.monotonic()
    response = client.post(
        "/api/auth/login", content=body(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413, response.text
    assert "limit is 1024 KB" in response.json()["detail"]
    assert time.monotonic() - started < 10


def test_a_declared_large_body_is_refused_before_reading(client: TestClient) -> None:
    big = b'{"email": "a@b.c", "password": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = client.post(
        "/api/auth/login", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413 and response.json()["code"] == "too_large"
