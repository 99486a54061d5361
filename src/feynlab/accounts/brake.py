"""The login and sign-up brake: attempts counted per key in one statement, before any check.

An attempt is counted first (one UPDATE that also refuses it when the key is over its limit),
committed, and only then is the password checked: parallel guesses cannot all read "no failures
yet" and all be checked. Account keys refuse (429) once over the limit; address keys only slow
attempts down, so that a neighbour behind the same address guessing cannot lock anyone out.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, not_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from starlette.requests import Request

from feynlab.accounts.models import LoginCounter
from feynlab.db import utcnow
from feynlab.errors import TooMany
from feynlab.settings import Settings

MAX_ADDRESS_DELAY_S = 10.0


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` per ``window_s``; past it, one more each ``lockout_s``."""

    attempts: int
    window_s: float
    lockout_s: float


def _insert_missing(db: Session, key: str, now: datetime) -> None:
    values = {"key": key, "attempts": 0, "window_start": now, "last_at": now}
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    db.execute(dialect.insert(LoginCounter).values(**values).on_conflict_do_nothing())


def count_attempt(*, db: Session, key: str, limit: Limit, refuse: bool) -> int:
    """Count one attempt under ``key`` and return the attempts in the window, this one
    included. With ``refuse``, an attempt over the limit within the lockout is not counted
    but refused with 429 and Retry-After. The caller commits."""
    now = utcnow()
    since = now - timedelta(seconds=limit.window_s)
    _insert_missing(db, key, now)
    expired = LoginCounter.window_start < since
    locked = and_(
        LoginCounter.attempts >= limit.attempts,
        LoginCounter.last_at > now - timedelta(seconds=limit.lockout_s),
        not_(expired),
    )
    stmt = (
        update(LoginCounter)
        .where(LoginCounter.key == key)
        .values(
            attempts=case((expired, 1), else_=LoginCounter.attempts + 1),
            window_start=case((expired, now), else_=LoginCounter.window_start),
            last_at=now,
        )
        .returning(LoginCounter.attempts)
    )
    if refuse:
        stmt = stmt.where(not_(locked))
    counted = db.execute(stmt).scalar()
    if counted is not None:
        return int(counted)
    last = db.scalar(select(LoginCounter.last_at).where(LoginCounter.key == key)) or now
    db.rollback()
    seconds = max(1, int(limit.lockout_s - (now - last).total_seconds()) + 1)
    raise TooMany(
        f"Too many attempts. Wait {seconds} seconds and try again.",
        headers={"Retry-After": str(seconds)},
    )


def forgive(*, db: Session, key: str) -> None:
    """Forget the attempts under ``key`` (an account whose owner just logged in)."""
    db.execute(delete(LoginCounter).where(LoginCounter.key == key))


def uncount(*, db: Session, key: str) -> None:
    """Take back one attempt (a right password from a shared address is no guess)."""
    db.execute(
        update(LoginCounter)
        .where(LoginCounter.key == key, LoginCounter.attempts > 0)
        .values(attempts=LoginCounter.attempts - 1)
    )


def prune(*, db: Session, older_than_s: float) -> None:
    """Drop counters idle for longer than any window (keeps the table small)."""
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    db.execute(delete(LoginCounter).where(LoginCounter.last_at < cutoff))


def address_delay(*, attempts: int, settings: Settings) -> float:
    """How long an attempt from an address waits: nothing up to the limit, then a step more for
    each attempt past it (capped), so guessing from one address crawls but always gets through."""
    over = attempts - settings.login_max_failures
    if over <= 0:
        return 0.0
    return min(MAX_ADDRESS_DELAY_S, over * settings.login_address_delay_s)


def _trusted(host: str, proxies: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host in proxies
    for proxy in proxies:
        try:
            if address in ipaddress.ip_network(proxy, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_address(request: Request, settings: Settings) -> str:
    """The caller's address: the peer, or, when the peer is a trusted proxy, the nearest
    address in X-Forwarded-For that is not itself a trusted proxy. An untrusted peer's
    X-Forwarded-For is ignored (anyone can send one)."""
    peer = request.client.host if request.client else "unknown"
    if not settings.trusted_proxies or not _trusted(peer, settings.trusted_proxies):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, settings.trusted_proxies):
            return hop
    return hops[0] if hops else peer
