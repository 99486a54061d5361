"""Typed FastAPI dependencies: the database session, settings and who is calling."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from feynlab.accounts import service as accounts
from feynlab.accounts.models import AuthSession, Role, User
from feynlab.errors import Forbidden, Unauthorized
from feynlab.settings import Settings

SESSION_COOKIE = "feynlab_session"
CSRF_COOKIE = "feynlab_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in a
# worker thread, and each such hop costs the event loop more than the work it hands over.


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.sessionmaker() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DbSession = Annotated[Session, Depends(get_db)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _key(request: Request) -> str:
    key: str = request.app.state.settings.secret_key
    return key


def get_auth_session(request: Request, db: DbSession) -> AuthSession | None:
    """The caller's login, from a bearer token or the session cookie (then CSRF-checked)."""
    token = _bearer(request)
    if token is not None:
        found = accounts.session_for_token(db=db, token=token, key=_key(request))
        if found is None:
            raise Unauthorized("The bearer token is invalid or has expired. Log in again.")
        return found
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    found = accounts.session_for_token(db=db, token=cookie, key=_key(request))
    if found is None:
        return None
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), found.csrf_token.encode()):
            raise Forbidden(
                f"Missing or wrong CSRF token: send the {CSRF_COOKIE} cookie's value in the "
                f"{CSRF_HEADER} header."
            )
    return found


AuthSessionDep = Annotated[AuthSession | None, Depends(get_auth_session)]


async def get_optional_user(auth: AuthSessionDep) -> User | None:
    return auth.user if auth is not None else None


async def get_current_user(auth: AuthSessionDep) -> User:
    if auth is None:
        raise Unauthorized("You need to log in.")
    return auth.user


async def get_instructor(user: Annotated[User, Depends(get_current_user)]) -> User:
    if user.role not in (Role.instructor.value, Role.admin.value):
        raise Forbidden("Only instructors may do this.")
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]
CurrentUser = Annotated[User, Depends(get_current_user)]
Instructor = Annotated[User, Depends(get_instructor)]

# A row id in a URL: out-of-range numbers are a 422, not an overflow in the database.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A positive id.")]
