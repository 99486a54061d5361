"""Unit tests of the wire format and the run limits (no sandbox needed)."""

from __future__ import annotations

import socket
import struct

import numpy as np
import pytest

from feynlab.sandbox.limits import RunLimits
from feynlab.sandbox.protocol import (
    Decoder,
    ProtocolError,
    encode,
    recv_frame,
    send_frame,
)


def _roundtrip(value):  # type: ignore[no-untyped-def]
    a, b = socket.socketpair()
    buffers: list[memoryview] = []
    tagged = encode(value, buffers, lambda o: (_ for _ in ()).throw(TypeError(o)))
    send_frame(a, {"value": tagged}, buffers)
    header, bufs = recv_frame(b, max_buffer_bytes=1 << 30)
    return Decoder(bufs, lambda t: t).decode(header["value"])


def test_arrays_and_plain_data_cross_exactly() -> None:
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    value = {"x": x, "t": (1, "a", None), "l": [1.5, True], "i": np.int64(7), "b": b"\x00\x01"}
    back = _roundtrip(value)
    assert back["x"].dtype == np.float32 and np.array_equal(back["x"], x)
    assert back["t"] == (1, "a", None) and back["l"] == [1.5, True]
    assert back["i"] == 7 and back["b"] == b"\x00\x01"


def test_object_arrays_are_not_plain_data() -> None:
    with pytest.raises(TypeError):
        _roundtrip(np.array([object()], dtype=object))


@pytest.mark.parametrize(
    "tagged",
    [
        {"$nd": 0, "dtype": "|O", "shape": [1]},
        {"$nd": 0, "dtype": "<f8", "shape": [3]},  # 8 bytes but 3 doubles
        {"$nd": 5, "dtype": "<f8", "shape": [1]},
        {"$nd": 0, "dtype": "<f8", "shape": [-1]},
        {"unknown": 1},
    ],
)
def test_garbage_values_are_refused(tagged) -> None:  # type: ignore[no-untyped-def]
    def no_tags(t):  # type: ignore[no-untyped-def]
        raise ProtocolError("unknown tag")

    with pytest.raises(ProtocolError):
        Decoder([memoryview(b"\0" * 8)], no_tags).decode(tagged)


def test_oversized_frames_are_refused_before_reading() -> None:
    a, b = socket.socketpair()
    a.sendall(struct.pack(">IQ", 10, 1 << 40))
    with pytest.raises(ProtocolError):
        recv_frame(b, max_buffer_bytes=1 << 20)


def test_exercise_limits_override_defaults() -> None:
    limits = RunLimits.defaults().with_overrides({"wall_s": 5, "memory_mb": 256})
    assert limits.wall_s == 5.0 and limits.memory_mb == 256
    with pytest.raises(ValueError):
        RunLimits.defaults().with_overrides({"walltime": 5})
    with pytest.raises(ValueError):
        RunLimits.defaults().with_overrides({"pids": -1})
