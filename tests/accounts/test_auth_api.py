"""Accounts through the HTTP API: sign-up, login, cookies, CSRF, logout, passwords, brakes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from feynlab.accounts.models import Role
from tests.conftest import PASSWORD


def signup(client: TestClient, email: str = "ada@example.org", password: str = "lovelace-1815"):
    """Sign up, then log in with the new account (sign-up itself opens no session)."""
    created = client.post(
        "/api/auth/signup", json={"email": email, "password": password, "name": "Ada"}
    )
    assert created.status_code == 202, created.text
    return client.post("/api/auth/login", json={"email": email, "password": password})


def test_signup_then_login_sets_an_httponly_cookie_and_returns_token(client: TestClient) -> None:
    response = signup(client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["email"] == "ada@example.org"
    assert body["user"]["role"] == "learner"
    assert "password" not in response.text and "hash" not in response.text
    cookie_headers = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookie_headers if c.startswith("feynlab_session="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    me = client.get("/api/me")
    assert me.status_code == 200 and me.json()["name"] == "Ada"


def test_signup_answers_the_same_whether_or_not_the_email_has_an_account(
    client: TestClient, make_user
) -> None:
    """Regression (issue 13.13): a second sign-up said 409 "already exists"."""
    taken = make_user()
    body = {"password": "lovelace-1815", "name": "Ada"}
    new = client.post("/api/auth/signup", json={**body, "email": "new@example.org"})
    again = client.post("/api/auth/signup", json={**body, "email": taken.email.upper()})
    assert new.status_code == again.status_code == 202
    assert new.json() == again.json()
    assert not new.headers.get_list("set-cookie") and not again.headers.get_list("set-cookie")
    # The existing account keeps its password; the new one logs in with the chosen one.
    login = {"email": taken.email, "password": "lovelace-1815"}
    assert client.post("/api/auth/login", json=login).status_code == 401
    login = {"email": "new@example.org", "password": "lovelace-1815"}
    assert client.post("/api/auth/login", json=login).status_code == 200


def test_bad_signups_name_the_field(client: TestClient) -> None:
    bad = client.post("/api/auth/signup", json={"email": "nope", "password": "x" * 10, "name": "A"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "email"
    short = client.post(
        "/api/auth/signup", json={"email": "b@example.org", "password": "x", "name": "B"}
    )
    assert short.status_code == 422 and "password" in short.json()["detail"]


def test_signups_from_one_address_are_rate_limited(client: TestClient) -> None:
    """Regression (issue 13.13): sign-up could be called without limit to probe e-mails."""
    body = {"password": "lovelace-1815", "name": "Ada"}
    answers = [
        client.post("/api/auth/signup", json={**body, "email": f"s{n}@example.org"}).status_code
        for n in range(11)
    ]
    assert answers == [202] * 10 + [429]


def test_cookie_writes_need_csrf_but_bearer_does_not(client: TestClient) -> None:
    token = signup(client).json()["token"]
    refused = client.post("/api/auth/logout")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    csrf = client.cookies.get("feynlab_csrf")
    with TestClient(client.app) as scripted:
        ok = scripted.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
    # The bearer logout ended that login, which the cookie shared.
    assert client.get("/api/me").status_code == 401
    assert csrf


def test_logout_with_csrf_ends_the_session(client: TestClient) -> None:
    signup(client)
    csrf = client.cookies.get("feynlab_csrf")
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.get("/api/me").status_code == 401


def test_wrong_password_and_unknown_email_say_the_same(client: TestClient, make_user) -> None:
    user = make_user()
    wrong = client.post("/api/auth/login", json={"email": user.email, "password": "wrong-one"})
    unknown = client.post("/api/auth/login", json={"email": "ghost@example.org", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    good = client.post("/api/auth/login", json={"email": user.email.upper(), "password": PASSWORD})
    assert good.status_code == 200 and good.json()["token"]


def test_repeated_failures_slow_down_the_account_even_with_the_right_password(
    client: TestClient, make_user
) -> None:
    user = make_user()
    for _ in range(5):
        client.post("/api/auth/login", json={"email": user.email, "password": "guess"})
    blocked = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Wait" in blocked.json()["detail"]


def test_change_password_ends_other_logins(client: TestClient, make_user, login) -> None:
    user = make_user(Role.instructor)
    other_login = login(user)
    mine = login(user)
    response = client.post(
        "/api/me/password",
        json={"current_password": PASSWORD, "new_password": "a-brand-new-pass"},
        headers=mine,
    )
    assert response.status_code == 200
    assert client.get("/api/me", headers=other_login).status_code == 401
    assert client.get("/api/me", headers=mine).status_code == 200
    wrong = client.post(
        "/api/me/password",
        json={"current_password": "not-it", "new_password": "another-pass-1"},
        headers=mine,
    )
    assert wrong.status_code == 422
    old = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert old.status_code == 401


def test_invalid_bearer_token_is_401_with_a_message(client: TestClient) -> None:
    response = client.get("/api/me", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401
    assert "Log in again" in response.json()["detail"]


def test_malformed_json_is_422_not_500(client: TestClient) -> None:
    response = client.post(
        "/api/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
