"""Routes of accounts: sign-up, login, logout, the caller, password change."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response, status
from starlette.concurrency import run_in_threadpool

from feynlab.accounts import brake, service
from feynlab.accounts.schemas import (
    LoginIn,
    LoginOut,
    Message,
    PasswordChangeIn,
    SignupIn,
    UserRead,
)
from feynlab.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AuthSessionDep,
    CurrentUser,
    DbSession,
    SettingsDep,
)
from feynlab.settings import Settings

public = APIRouter(prefix="/auth", tags=["accounts"])
private = APIRouter(tags=["accounts"])


def _set_cookies(response: Response, login: service.Login, settings: Settings) -> None:
    max_age = settings.session_days * 86400
    secure = not settings.is_development and settings.env != "test"
    response.set_cookie(
        SESSION_COOKIE, login.token, max_age=max_age, httponly=True, samesite="lax", secure=secure
    )
    response.set_cookie(
        CSRF_COOKIE,
        login.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=secure,
    )


def _login_out(login: service.Login) -> LoginOut:
    return LoginOut(
        user=UserRead.model_validate(login.user),
        token=login.token,
        csrf_token=login.csrf_token,
        expires_at=login.expires_at,
    )


@public.post("/signup", status_code=status.HTTP_202_ACCEPTED)
def signup(body: SignupIn, request: Request, db: DbSession, settings: SettingsDep) -> Message:
    """Create a learner account, then log in with it. The answer is the same whether or not the
    e-mail already had an account (so sign-up cannot tell who is registered)."""
    service.sign_up(
        db=db,
        settings=settings,
        email=body.email,
        password=body.password,
        name=body.name,
        address=brake.client_address(request, settings),
    )
    return Message(detail=service.SIGNED_UP)


@public.post("/login")
async def login(
    body: LoginIn, request: Request, db: DbSession, settings: SettingsDep, response: Response
) -> LoginOut:
    """Log in: sets the session cookie and returns a bearer token for scripts."""
    address = brake.client_address(request, settings)
    delay = await run_in_threadpool(
        service.begin_login, db=db, settings=settings, email=body.email, address=address
    )
    if delay > 0:  # waits on the event loop: a slowed-down guess holds no request thread
        await asyncio.sleep(delay)
    user = await run_in_threadpool(
        service.finish_login, db=db, email=body.email, password=body.password, address=address
    )
    login = await run_in_threadpool(service.start_session, db=db, settings=settings, user=user)
    _set_cookies(response, login, settings)
    return _login_out(login)


@private.post("/auth/logout")
def logout(auth: AuthSessionDep, user: CurrentUser, db: DbSession, response: Response) -> Message:
    """End this login (the cookie or the bearer token used)."""
    if auth is not None:
        service.end_session(db=db, session=auth)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return Message(detail="Logged out.")


@private.get("/me")
def me(user: CurrentUser) -> UserRead:
    """The logged-in user."""
    return UserRead.model_validate(user)


@private.post("/me/password")
def change_password(
    body: PasswordChangeIn, user: CurrentUser, auth: AuthSessionDep, db: DbSession
) -> Message:
    """Change the password; every other login of this account ends."""
    service.change_password(
        db=db,
        user=user,
        current_password=body.current_password,
        new_password=body.new_password,
        keep=auth,
    )
    return Message(detail="Password changed.")
