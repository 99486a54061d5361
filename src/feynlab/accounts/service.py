"""Accounts: sign-up, password checks and login sessions (the brake is in ``brake``)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from feynlab.accounts import brake
from feynlab.accounts.models import AuthSession, Role, User
from feynlab.db import utcnow
from feynlab.errors import Conflict, Invalid, Unauthorized
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


def token_digest(token: str, *, key: str) -> str:
    """What is stored of a session token: an HMAC keyed by the secret key, so that whoever can
    write the database but does not hold the key cannot make a session of their own."""
    return hmac.new(key.encode(), token.encode(), hashlib.sha256).hexdigest()


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


def account_key(email: str) -> str:
    return f"account:{normalize_email(email)}"


def _login_limit(settings: Settings) -> brake.Limit:
    return brake.Limit(
        attempts=settings.login_max_failures,
        window_s=settings.login_window_s,
        lockout_s=settings.login_lockout_s,
    )


def begin_login(*, db: Session, settings: Settings, email: str, address: str) -> float:
    """Count a login attempt before its password is checked; refuse it (429) when the account
    had too many recent attempts. Returns how long to wait before checking (an address past
    its limit is slowed down, never refused: its other users may know their password)."""
    limit = _login_limit(settings)
    brake.count_attempt(db=db, key=account_key(email), limit=limit, refuse=True)
    attempts = brake.count_attempt(db=db, key=f"address:{address}", limit=limit, refuse=False)
    db.commit()
    return brake.address_delay(attempts=attempts, settings=settings)


def finish_login(*, db: Session, email: str, password: str, address: str) -> User:
    """Check the password of an attempt counted by ``begin_login``; the right one clears the
    account's count and takes the attempt back from the address."""
    user = get_by_email(db=db, email=email)
    valid = password_hash.verify(password, user.password_hash if user else _DUMMY_HASH)
    if user is None or not valid:
        raise Unauthorized(BAD_LOGIN)
    brake.forgive(db=db, key=account_key(email))
    brake.uncount(db=db, key=f"address:{address}")
    db.commit()
    return user


SIGNED_UP = (
    "If this e-mail had no account, it has one now: log in with the password you chose. "
    "If it already had one, log in with that account's password."
)


def sign_up(
    *, db: Session, settings: Settings, email: str, password: str, name: str, address: str
) -> None:
    """Create a learner account unless the e-mail has one; the caller learns neither way (the
    same answer and the same cost), and an address may sign up only so often."""
    limit = brake.Limit(attempts=settings.signups_per_hour, window_s=3600.0, lockout_s=3600.0)
    brake.count_attempt(db=db, key=f"signup:{address}", limit=limit, refuse=True)
    db.commit()
    if get_by_email(db=db, email=email) is not None:
        password_hash.hash(password)  # what creating would have cost
        return
    try:
        create_user(db=db, email=email, password=password, name=name, role=Role.learner)
        db.commit()
    except Conflict:  # signed up at the same moment by another request: same answer
        db.rollback()


def start_session(*, db: Session, settings: Settings, user: User) -> Login:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    expires = utcnow() + timedelta(days=settings.session_days)
    db.add(
        AuthSession(
            token_hash=token_digest(token, key=settings.secret_key),
            csrf_token=csrf,
            user=user,
            expires_at=expires,
        )
    )
    db.commit()
    return Login(user=user, token=token, csrf_token=csrf, expires_at=expires)


# Built once (every request runs it): a reused statement keeps its cache key.
_BY_TOKEN = (
    select(AuthSession)
    .options(joinedload(AuthSession.user))  # every caller reads the user next
    .where(AuthSession.token_hash == bindparam("digest"))
)


def session_for_token(*, db: Session, token: str, key: str) -> AuthSession | None:
    found = db.scalar(_BY_TOKEN, {"digest": token_digest(token, key=key)})
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
