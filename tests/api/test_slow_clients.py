"""Slow clients against a real `feynlab serve` (issue 13.9): a request whose headers never
complete is dropped after the header timeout; the server keeps answering everyone else."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from feynlab.settings import Settings
from tests.grading.queue.procs import serve

HALF_SENT = b"GET /api/health HTTP/1.1\r\nHost: feynlab\r\nX-Slow: "


def _closed(sock: socket.socket) -> bool:
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:  # still open after the socket's 10 s timeout
        return False


def test_half_sent_requests_are_dropped_after_the_header_timeout(
    settings: Settings, tmp_path: Path
) -> None:
    """Regression: 800 half-sent requests stayed open for good."""
    proc, base = serve(settings, tmp_path / "serve.log", FEYNLAB_HEADER_TIMEOUT_S="1.5")
    port = int(base.rsplit(":", 1)[1])
    slow = []
    try:
        for _ in range(50):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(HALF_SENT)
            slow.append(sock)
        assert httpx.get(f"{base}/api/health", timeout=5).status_code == 200
        time.sleep(0.5)
        for sock in slow[:5]:
            sock.sendall(b"x")  # trickling bytes does not buy more time
        started = time.monotonic()
        assert all(_closed(sock) for sock in slow)
        assert time.monotonic() - started < 8
        assert httpx.get(f"{base}/api/health", timeout=5).status_code == 200
    finally:
        for sock in slow:
            sock.close()
        proc.stop()
