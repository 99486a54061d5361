"""Accounts: sign-up, password checks, login sessions and the failed-login brake."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from feynlab.accounts.models import AuthSession, LoginFailure, Role, User
from feynlab.db import utcnow
from feynlab.errors import Conflict, Invalid, TooMany, Unauthorized
from feynlab.settings import Settings

password_hash = PasswordHash.recommended()
# Verified when the e-mail is unknown, so that a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = password_hash.hash("feynlab-dummy-password")
BAD_LOGIN = "Wrong e-mail or password."


@dataclass(frozen=True)
class Login:
    user: User
    token: str
    csrf_token: str
    expires_at: datetime


def normalize_email(email: str) -> str:
    return email.strip().lower()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(*, db: Session, email: str, password: str, name: str, role: Role) -> User:
    if len(password) < 8:
        raise Invalid("The password must have at least 8 characters.")
    user = User(
        email=normalize_email(email),
        name=name.strip() or normalize_email(email),
        password_hash=password_hash.hash(password),
        role=role.value,
    )
    db.add(user)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise Conflict("An account with this e-mail already exists.") from None
    return user


def get_by_email(*, db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalize_email(email)))


def _recent_failures(*, db: Session, key: str, since: datetime) -> tuple[int, datetime | None]:
    count, last = db.execute(
        select(func.count(LoginFailure.id), func.max(LoginFailure.at)).where(
            LoginFailure.key == key, LoginFailure.at >= since
        )
    ).one()
    return int(count), last


def check_login_brake(*, db: Session, settings: Settings, keys: list[str]) -> None:
    """Refuse a login attempt while an account or address has failed too often recently."""
    now = utcnow()
    since = now - timedelta(seconds=settings.login_window_s)
    for key in keys:
        count, last = _recent_failures(db=db, key=key, since=since)
        if count >= settings.login_max_failures and last is not None:
            if last.tzinfo is None:
                last = last.replace(tzinfo=now.tzinfo)
            wait = settings.login_lockout_s - (now - last).total_seconds()
            if wait > 0:
                seconds = int(wait) + 1
                raise TooMany(
                    f"Too many failed logins. Wait {seconds} seconds and try again.",
                    headers={"Retry-After": str(seconds)},
                )


def authenticate(
    *, db: Session, settings: Settings, email: str, password: str, address: str
) -> User:
    keys = [f"account:{normalize_email(email)}", f"address:{address}"]
    check_login_brake(db=db, settings=settings, keys=keys)
    user = get_by_email(db=db, email=email)
    valid = password_hash.verify(password, user.password_hash if user else _DUMMY_HASH)
    if user is None or not valid:
        db.add_all([LoginFailure(key=key) for key in keys])
        db.commit()
        raise Unauthorized(BAD_LOGIN)
    db.execute(delete(LoginFailure).where(LoginFailure.key == keys[0]))
    return user


def start_session(*, db: Session, settings: Settings, user: User) -> Login:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    expires = utcnow() + timedelta(days=settings.session_days)
    db.add(
        AuthSession(token_hash=token_digest(token), csrf_token=csrf, user=user, expires_at=expires)
    )
    db.commit()
    return Login(user=user, token=token, csrf_token=csrf, expires_at=expires)


# Built once (every request runs it): a reused statement keeps its cache key.
_BY_TOKEN = (
    select(AuthSession)
    .options(joinedload(AuthSession.user))  # every caller reads the user next
    .where(AuthSession.token_hash == bindparam("digest"))
)


def session_for_token(*, db: Session, token: str) -> AuthSession | None:
    found = db.scalar(_BY_TOKEN, {"digest": token_digest(token)})
    if found is None or found.expires_at <= utcnow():
        return None
    return found


def end_session(*, db: Session, session: AuthSession) -> None:
    db.delete(session)
    db.commit()


def change_password(
    *, db: Session, user: User, current_password: str, new_password: str, keep: AuthSession | None
) -> None:
    if not password_hash.verify(current_password, user.password_hash):
        raise Invalid("The current password is wrong.")
    user.password_hash = password_hash.hash(new_password)
    # Other logins of this account end: a changed password must lock out whoever else held it.
    stmt = delete(AuthSession).where(AuthSession.user_id == user.id)
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep.id)
    db.execute(stmt)
    db.commit()


def ensure_demo_users(*, db: Session) -> list[tuple[str, str, str]]:
    """Create the demo learner and instructor if missing; return (role, email, password)."""
    demo = [
        (Role.learner, "learner@feynlab.local", "learner-demo-pass", "Demo Learner"),
        (Role.instructor, "instructor@feynlab.local", "instructor-demo-pass", "Demo Instructor"),
    ]
    for role, email, password, name in demo:
        if get_by_email(db=db, email=email) is None:
            create_user(db=db, email=email, password=password, name=name, role=role)
    db.commit()
    return [(role.value, email, password) for role, email, password, _ in demo]
