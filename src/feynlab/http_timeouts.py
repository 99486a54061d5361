"""The HTTP protocol `feynlab serve` runs: uvicorn's h11 protocol with a deadline for request
headers, which uvicorn lacks (800 half-sent requests once stayed open for good)."""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


def with_header_timeout(seconds: float) -> type[H11Protocol]:
    """An h11 protocol class that closes a connection whose request headers are not complete
    ``seconds`` after it opened, or after the first byte of a next request on it."""

    class HeaderTimeoutProtocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:
                self._disarm()  # the headers are in: the route's own timeouts apply now
            elif self._header_timer is None:
                self._arm()  # a next request begins on a kept-alive connection

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._header_timer = self.loop.call_later(seconds, self._deadline)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _deadline(self) -> None:
            self._header_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return HeaderTimeoutProtocol


def uvicorn_options(*, header_timeout_s: float) -> dict[str, Any]:
    """What `feynlab serve` passes to uvicorn beyond host and port."""
    return {
        "http": with_header_timeout(header_timeout_s),
        "timeout_keep_alive": 5,  # an idle kept-alive connection is closed after 5 s
        "h11_max_incomplete_event_size": 64 * 1024,  # headers larger than 64 KB: a 400
    }
