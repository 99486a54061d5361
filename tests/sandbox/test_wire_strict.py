"""The wire format's strict decoding, frame by frame (no sandbox needed): what a hostile learner
can write on the judge's socket is refused as a ProtocolError, never our own exception."""

from __future__ import annotations

import contextlib
import math
import socket
import struct
import threading

import numpy as np
import pytest

from feynlab.sandbox.protocol import (
    ChannelClosed,
    Decoder,
    ProtocolError,
    encode,
    recv_frame,
    send_frame,
)


def _raw(header: bytes, total: int = 0, data: bytes = b"") -> socket.socket:
    a, b = socket.socketpair()

    def write() -> None:
        with contextlib.suppress(OSError):  # the reader may stop before the end
            a.sendall(struct.pack(">IQ", len(header), total) + header + data)
        a.close()

    threading.Thread(target=write, daemon=True).start()
    return b


@pytest.mark.parametrize(
    "header",
    [
        b'{"epoch":Infinity,"buffers":[]}',
        b'{"epoch":NaN,"buffers":[]}',
        b'{"epoch":1e400,"buffers":[]}',
        b'{"epoch":' + b"9" * 400 + b',"buffers":[]}',
        b'{"x":' + b"[" * 20_000 + b"]" * 20_000 + b',"buffers":[]}',
        b'{"x":' + b"[" * 200_000 + b"]" * 200_000 + b',"buffers":[]}',
        b'{"buffers":[true]}',
        b"\xff\xfe",
        b"[1]",
    ],
)
def test_hostile_headers_are_protocol_errors(header: bytes) -> None:
    with pytest.raises(ProtocolError):
        recv_frame(_raw(header), max_buffer_bytes=1 << 20)


def test_an_announced_frame_costs_nothing_until_it_comes() -> None:
    b = _raw(b'{"buffers":[100000000]}', 100_000_000, b"\0" * 10)
    with pytest.raises(ChannelClosed):  # the other side closed before sending it all
        recv_frame(b, max_buffer_bytes=1 << 30)


def test_a_frame_may_be_capped_by_what_it_is() -> None:
    header = b'{"kind":"event","buffers":[10]}'
    with pytest.raises(ProtocolError):
        recv_frame(_raw(header, 10, b"\0" * 10), max_buffer_bytes=1 << 20, buffer_cap=lambda h: 5)


@pytest.mark.parametrize(
    "tagged",
    [
        {"$nd": 0, "dtype": "<f8", "shape": [0, 2**40]},
        {"$nd": 0, "dtype": "<f8", "shape": [0] * 40},
        {"$nd": 0, "dtype": "<f8", "shape": [True]},
        {"$nd": 0, "dtype": "(2,)<f8", "shape": [0]},
        {"$nd": 0, "dtype": ["<f8"], "shape": [0]},
        {"$float": "1e400"},
        float("inf"),
        2**70,
    ],
)
def test_hostile_values_are_protocol_errors(tagged: object) -> None:
    with pytest.raises(ProtocolError):
        Decoder([memoryview(b"")], lambda t: t).decode(tagged)


def test_non_finite_floats_and_64_bit_ints_cross_exactly() -> None:
    a, b = socket.socketpair()
    buffers: list[memoryview] = []
    value = [math.nan, math.inf, -math.inf, 2**64 - 1, -(2**63), np.float32("nan")]
    send_frame(a, {"value": encode(value, buffers, repr)}, buffers)
    header, bufs = recv_frame(b, max_buffer_bytes=1 << 20)
    back = Decoder(bufs, lambda t: t).decode(header["value"])
    assert math.isnan(back[0]) and back[1] == math.inf and back[2] == -math.inf
    assert back[3:5] == [2**64 - 1, -(2**63)] and math.isnan(back[5])
    with pytest.raises(OverflowError):
        encode(10**400, [], repr)
