"""The secret key is real: stored session digests are keyed by it, so a database row made (or
kept) without the key opens no session, and changing the key logs everyone out."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select

from feynlab.accounts.models import AuthSession
from feynlab.settings import Settings
from tests.conftest import PASSWORD


def _app(settings: Settings, key: str):  # type: ignore[no-untyped-def]
    from feynlab.app import create_app

    return create_app(settings.model_copy(update={"secret_key": key}))


def test_a_token_works_only_under_the_key_it_was_stored_with(settings: Settings, make_user) -> None:
    user = make_user()
    first = TestClient(_app(settings, "first-secret-key-0123456789"))
    token = first.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {token.json()['token']}"}
    assert first.get("/api/me", headers=bearer).status_code == 200
    other = TestClient(_app(settings, "another-secret-key-987654321"))
    assert other.get("/api/me", headers=bearer).status_code == 401


def test_a_session_row_written_without_the_key_opens_nothing(
    settings: Settings, app, make_user
) -> None:
    user = make_user()
    client = TestClient(app)
    client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    forged = "forged-token-of-someone-with-database-access"
    with app.state.sessionmaker() as db:
        row = db.scalars(select(AuthSession)).one()
        row.token_hash = hashlib.sha256(forged.encode()).hexdigest()  # what a plain hash would be
        db.commit()
    headers = {"Authorization": f"Bearer {forged}"}
    assert client.get("/api/me", headers=headers).status_code == 401
