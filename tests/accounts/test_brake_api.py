"""The login brake through the HTTP API under attack (issue 13.7): parallel guesses, shared
addresses, proxies."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from feynlab.settings import Settings
from tests.conftest import PASSWORD

DELAY_S = 2.0  # well above a login's own cost on a loaded machine


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"login_address_delay_s": DELAY_S})


def _login(client: TestClient, email: str, password: str, **headers: str) -> tuple[int, float]:
    started = time.monotonic()
    response = client.post(
        "/api/auth/login", json={"email": email, "password": password}, headers=headers
    )
    return response.status_code, time.monotonic() - started


def test_parallel_guesses_are_checked_at_most_up_to_the_limit(client: TestClient, make_user):
    """Regression: 40 parallel wrong passwords got 20 checked against a limit of 5 (each read
    "no failures yet" before any was written)."""
    user = make_user()
    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(lambda n: _login(client, user.email, f"guess-{n}")[0], range(40)))
    counts = Counter(codes)
    assert counts[401] <= 5 and counts[401] >= 1, counts
    assert counts[429] == 40 - counts[401], counts
    # The account stays braked for its owner too (that is the account brake's job).
    assert _login(client, user.email, PASSWORD)[0] == 429


def test_the_right_password_works_from_an_address_that_failed_often(client: TestClient, make_user):
    """Regression: failures from one address (a classroom behind one NAT) locked everyone there
    out, right password included; now the address is slowed down, never locked."""
    for n in range(7):
        assert _login(client, f"ghost{n}@example.org", "guess")[0] == 401
    user = make_user()
    status, took = _login(client, user.email, PASSWORD)
    assert status == 200
    assert took >= DELAY_S, "attempts from an address past its limit must be slowed down"


def test_forwarded_for_is_believed_only_from_trusted_proxies(app, make_user) -> None:
    """Regression: behind a proxy every learner had the proxy's address, so one guesser braked
    all of them; and the header must not let a direct caller pick a fresh address per guess."""
    user = make_user()
    with TestClient(app) as client:  # no trusted proxy: X-Forwarded-For is ignored
        for n in range(6):
            _login(client, f"ghost{n}@example.org", "guess", **{"X-Forwarded-For": f"10.0.0.{n}"})
        spoofed = _login(client, user.email, PASSWORD, **{"X-Forwarded-For": "10.9.9.9"})
        assert spoofed[0] == 200 and spoofed[1] >= DELAY_S


def test_forwarded_for_from_a_trusted_proxy_names_the_learner(settings, make_user) -> None:
    from feynlab.app import create_app

    trusted = settings.model_copy(update={"trusted_proxies": ["testclient", "10.0.0.0/8"]})
    user = make_user()
    with TestClient(create_app(trusted)) as client:
        guesser = {"X-Forwarded-For": "203.0.113.5, 10.1.2.3"}
        for n in range(6):
            assert _login(client, f"ghost{n}@example.org", "guess", **guesser)[0] == 401
        other = _login(client, user.email, PASSWORD, **{"X-Forwarded-For": "198.51.100.7"})
        assert other[0] == 200 and other[1] < DELAY_S, "another learner behind the proxy"
        same = _login(client, "ghost9@example.org", "guess", **guesser)
        assert same[0] == 401 and same[1] >= DELAY_S, "the guesser is slowed down"


def test_trusted_proxies_setting_reads_a_comma_separated_list(monkeypatch) -> None:
    monkeypatch.setenv("FEYNLAB_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    assert Settings().trusted_proxies == ["127.0.0.1", "10.0.0.0/8"]
