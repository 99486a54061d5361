"""The judge's wire format: length-prefixed frames of a JSON header plus raw buffers.

A frame is ``>IQ`` (header length, total buffer length), the UTF-8 JSON header, then the buffers
back to back; ``header["buffers"]`` lists their lengths. Values are encoded as tagged JSON where
arrays and bytes travel as raw buffers (never as JSON floats). Decoding checks everything: the
learner's side of the pipe may send anything.
"""

from __future__ import annotations

import json
import socket
import struct
from collections.abc import Callable
from typing import Any

import numpy as np

PREFIX = struct.Struct(">IQ")
MAX_HEADER_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64
MAX_ITEMS = 1_000_000
ALLOWED_DTYPE_KINDS = set("biufc")


class ProtocolError(Exception):
    """A frame or value that does not follow the protocol (garbage from the other side)."""


class ChannelClosed(Exception):
    """The other side closed the channel (or died)."""


def send_frame(sock: socket.socket, header: dict[str, Any], buffers: list[memoryview]) -> None:
    header = {**header, "buffers": [b.nbytes for b in buffers]}
    data = json.dumps(header, separators=(",", ":")).encode()
    total = sum(b.nbytes for b in buffers)
    sock.sendall(PREFIX.pack(len(data), total) + data)
    for buf in buffers:
        sock.sendall(buf)


def _recv_exact(sock: socket.socket, n: int) -> bytearray:
    out = bytearray(n)
    view = memoryview(out)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise ChannelClosed("the other side closed the channel")
        got += k
    return out


def recv_frame(
    sock: socket.socket, *, max_buffer_bytes: int
) -> tuple[dict[str, Any], list[memoryview]]:
    """Read one frame, refusing sizes over the caps before allocating anything."""
    header_len, total = PREFIX.unpack(bytes(_recv_exact(sock, PREFIX.size)))
    if header_len > MAX_HEADER_BYTES or total > max_buffer_bytes:
        raise ProtocolError(f"frame too large ({header_len} + {total} bytes)")
    try:
        header = json.loads(bytes(_recv_exact(sock, header_len)))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"unreadable frame header: {exc}") from None
    lengths = header.get("buffers") if isinstance(header, dict) else None
    if not isinstance(lengths, list) or not all(isinstance(n, int) and n >= 0 for n in lengths):
        raise ProtocolError("frame header without a valid buffer list")
    if sum(lengths) != total:
        raise ProtocolError("frame buffer lengths do not add up")
    blob = memoryview(_recv_exact(sock, total)) if total else memoryview(b"")
    buffers, offset = [], 0
    for n in lengths:
        buffers.append(blob[offset : offset + n])
        offset += n
    return header, buffers


def encode(value: Any, buffers: list[memoryview], on_other: Callable[[Any], Any]) -> Any:
    """Turn ``value`` into tagged JSON, appending array/bytes payloads to ``buffers``.

    ``on_other`` handles anything that is not plain data (returns a JSON-able tag or raises).
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in ALLOWED_DTYPE_KINDS:
        return (
            value.item()
            if value.dtype.kind != "c"
            else encode(np.asarray(value), buffers, on_other)
        )
    if isinstance(value, np.ndarray) and value.dtype.kind in ALLOWED_DTYPE_KINDS:
        arr = np.ascontiguousarray(value)
        buffers.append(memoryview(arr).cast("B") if arr.size else memoryview(b""))  # type: ignore[arg-type]
        return {"$nd": len(buffers) - 1, "dtype": arr.dtype.str, "shape": list(arr.shape)}
    if isinstance(value, bytes | bytearray):
        buffers.append(memoryview(bytes(value)))
        return {"$bytes": len(buffers) - 1}
    if isinstance(value, list):
        return [encode(v, buffers, on_other) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(v, buffers, on_other) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"$dict": {k: encode(v, buffers, on_other) for k, v in value.items()}}
    return on_other(value)


class Decoder:
    """Decodes tagged JSON strictly; ``on_tag`` resolves tags other than the plain-data ones."""

    def __init__(self, buffers: list[memoryview], on_tag: Callable[[dict[str, Any]], Any]):
        self.buffers = buffers
        self.on_tag = on_tag
        self.items = 0

    def decode(self, obj: Any, depth: int = 0) -> Any:
        self.items += 1
        if depth > MAX_DEPTH or self.items > MAX_ITEMS:
            raise ProtocolError("value nested too deeply or too large")
        if obj is None or isinstance(obj, bool | int | float | str):
            return obj
        if isinstance(obj, list):
            return [self.decode(v, depth + 1) for v in obj]
        if not isinstance(obj, dict) or len(obj) == 0:
            raise ProtocolError("unexpected value in a message")
        if "$nd" in obj:
            return self._array(obj)
        if "$bytes" in obj:
            return bytes(self._buffer(obj["$bytes"]))
        if "$tuple" in obj and isinstance(obj["$tuple"], list):
            return tuple(self.decode(v, depth + 1) for v in obj["$tuple"])
        if "$dict" in obj and isinstance(obj["$dict"], dict):
            return {str(k): self.decode(v, depth + 1) for k, v in obj["$dict"].items()}
        return self.on_tag(obj)

    def _buffer(self, index: Any) -> memoryview:
        if not isinstance(index, int) or not 0 <= index < len(self.buffers):
            raise ProtocolError("reference to a missing buffer")
        return self.buffers[index]

    def _array(self, obj: dict[str, Any]) -> np.ndarray:
        buf = self._buffer(obj.get("$nd"))
        shape = obj.get("shape")
        try:
            dtype = np.dtype(str(obj.get("dtype")))
        except TypeError:
            raise ProtocolError("array with an unknown dtype") from None
        if dtype.kind not in ALLOWED_DTYPE_KINDS or dtype.hasobject:
            raise ProtocolError(f"array dtype {dtype} is not allowed")
        if not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
            raise ProtocolError("array with an invalid shape")
        count = 1
        for n in shape:
            count *= n
        if count * dtype.itemsize != buf.nbytes:
            raise ProtocolError("array size does not match its shape and dtype")
        return np.frombuffer(buf, dtype=dtype).reshape(shape).copy()
