"""The tool's own RSA key (made once, kept in the database) and platforms' public keys, read
from their JWKS over HTTP and cached briefly (a rotated key is picked up on a miss)."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

import httpx
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feynlab.lti.models import LtiToolKey

JWKS_TTL_S = 300.0


def tool_key(*, db: Session) -> RSAKey:
    """The newest tool key, made on first use."""
    found = db.scalar(select(LtiToolKey).order_by(LtiToolKey.id.desc()).limit(1))
    if found is None:
        kid = secrets.token_hex(8)
        key = RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})
        db.add(LtiToolKey(kid=kid, private_pem=key.as_pem(private=True).decode()))
        try:
            db.commit()
        except IntegrityError:  # pragma: no cover - two first uses at once
            db.rollback()
        return tool_key(db=db)
    return RSAKey.import_key(
        found.private_pem, parameters={"kid": found.kid, "alg": "RS256", "use": "sig"}
    )


def tool_jwks(*, db: Session) -> dict[str, Any]:
    keys = db.scalars(select(LtiToolKey).order_by(LtiToolKey.id))
    out = []
    for row in keys:
        key = RSAKey.import_key(row.private_pem)
        public = key.as_dict(private=False)
        out.append({**public, "kid": row.kid, "alg": "RS256", "use": "sig"})
    if not out:
        tool_key(db=db)
        return tool_jwks(db=db)
    return {"keys": out}


class PlatformKeys:
    """Platforms' JWKS by URL, cached for JWKS_TTL_S; refetched at once for an unknown kid."""

    def __init__(self, client: httpx.Client | None = None) -> None:
        self._client = client or httpx.Client(timeout=10.0)
        self._cache: dict[str, tuple[float, KeySet, set[str]]] = {}
        self._lock = threading.Lock()

    def get(self, url: str, kid: str | None) -> KeySet:
        with self._lock:
            cached = self._cache.get(url)
        fresh = cached is not None and time.monotonic() - cached[0] < JWKS_TTL_S
        if cached is not None and fresh and (kid is None or kid in cached[2]):
            return cached[1]
        response = self._client.get(url)
        response.raise_for_status()
        data = response.json()
        keys = KeySet.import_key_set(data)
        kids = {k.get("kid", "") for k in data.get("keys", [])}
        with self._lock:
            self._cache[url] = (time.monotonic(), keys, kids)
        return keys
