"""A test platform that plays the LMS: its own RSA key and JWKS, a token endpoint that checks
the tool's signed client assertion, a line item's score endpoint (which can be down) and a
roster, all served over HTTP on loopback; plus the app with the real grading queue."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.submissions.conftest import app, runner  # noqa: F401  (the real queue and runner)

CLIENT_ID = "feynlab-client"
DEPLOYMENT = "deployment-1"


class FakeLMS:
    def __init__(self, tool_jwks: Callable[[], dict[str, Any]]) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "lms-key-1", "alg": "RS256"})
        self.tool_jwks = tool_jwks
        self.down = False
        self.scores: list[tuple[float, dict[str, Any]]] = []
        self.refused_scores = 0
        self.members: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.issuer = self.url
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def id_token(self, claims: dict[str, Any], *, key: RSAKey | None = None) -> str:
        now = int(time.time())
        base = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300}
        signer = key or self.key
        return jwt.encode({"alg": "RS256", "kid": signer.kid}, {**base, **claims}, signer)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        lms = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length", "0")))

            def do_GET(self) -> None:
                path = urlparse(self.path).path
                if path == "/jwks":
                    self._send(200, {"keys": [lms.key.as_dict(private=False)]})
                elif path == "/memberships":
                    if self.headers.get("Authorization") != "Bearer lms-access-token":
                        return self._send(401, {"error": "unauthorized"})
                    self._send(200, {"id": "ctx", "members": lms.members})
                else:
                    self._send(404, {})

            def do_POST(self) -> None:
                path = urlparse(self.path).path
                body = self._body()
                if path == "/token":
                    form = dict(parse_qsl(body.decode()))
                    try:
                        keys = KeySet.import_key_set(lms.tool_jwks())
                        token = jwt.decode(form["client_assertion"], keys, algorithms=["RS256"])
                        assert token.claims["iss"] == CLIENT_ID
                        assert token.claims["aud"] == f"{lms.url}/token"
                    except Exception:
                        return self._send(401, {"error": "invalid_client"})
                    self._send(200, {"access_token": "lms-access-token", "expires_in": 3600})
                elif path == "/lineitems/1/scores":
                    if lms.down:
                        lms.refused_scores += 1
                        return self._send(503, {"error": "maintenance"})
                    if self.headers.get("Authorization") != "Bearer lms-access-token":
                        return self._send(401, {"error": "unauthorized"})
                    assert self.headers["Content-Type"] == "application/vnd.ims.lis.v1.score+json"
                    lms.scores.append((time.time(), json.loads(body)))
                    self._send(200, {})
                else:
                    self._send(404, {})

        return Handler


@pytest.fixture
def lms(app) -> Iterator[FakeLMS]:  # noqa: F811
    from feynlab.lti.keys import tool_jwks

    def keys() -> dict[str, Any]:
        with app.state.sessionmaker() as db:
            return tool_jwks(db=db)

    fake = FakeLMS(keys)
    yield fake
    fake.close()
