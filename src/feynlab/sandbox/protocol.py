"""The judge's wire format: length-prefixed frames of a JSON header plus raw buffers.

A frame is ``>IQ`` (header length, total buffer length), the UTF-8 JSON header, then the buffers
back to back; ``header["buffers"]`` lists their lengths. Values are encoded as tagged JSON where
arrays and bytes travel as raw buffers (never as JSON floats). Decoding checks everything: the
learner's side of the pipe may send anything, so every failure to read a frame or a value is a
``ProtocolError`` (never an OverflowError, RecursionError or ValueError of ours), headers are
small, numbers are finite and bounded, and buffers are read in chunks as they arrive (announcing
a large frame costs nothing until its bytes come).
"""

from __future__ import annotations

import json
import math
import socket
import struct
from collections.abc import Callable
from typing import Any

import numpy as np

PREFIX = struct.Struct(">IQ")
MAX_HEADER_BYTES = 64 * 1024  # what the trusted side reads from the learner's side
MAX_DEPTH = 64
MAX_ITEMS = 1_000_000
MAX_DIMS = 32
MAX_DIM = 2**31 - 1
MAX_INT_DIGITS = 20  # int64/uint64 fit; a 400-digit number is refused before int() runs
INT_MIN, INT_MAX = -(2**63), 2**64 - 1
CHUNK_BYTES = 1024 * 1024
ALLOWED_DTYPE_KINDS = set("biufc")
NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class ProtocolError(Exception):
    """A frame or value that does not follow the protocol (garbage from the other side)."""


class ChannelClosed(Exception):
    """The other side closed the channel (or died)."""


def send_frame(sock: socket.socket, header: dict[str, Any], buffers: list[memoryview]) -> None:
    """Send one frame; a header that strict decoding would refuse raises ValueError here."""
    send_encoded(sock, frame_header(header, buffers), buffers)


def send_encoded(sock: socket.socket, head: bytes, buffers: list[memoryview]) -> None:
    """Send a frame whose prefix and header ``frame_header`` already made."""
    sock.sendall(head)
    for buf in buffers:
        sock.sendall(buf)


def frame_header(header: dict[str, Any], buffers: list[memoryview]) -> bytes:
    """The prefix and JSON header of a frame (no NaN or infinity: strict JSON only)."""
    header = {**header, "buffers": [b.nbytes for b in buffers]}
    data = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    return PREFIX.pack(len(data), sum(b.nbytes for b in buffers)) + data


def _recv_exact(sock: socket.socket, n: int) -> bytearray:
    """Read ``n`` bytes, growing the buffer only as bytes arrive (never ``n`` up front)."""
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(min(CHUNK_BYTES, n - len(out)))
        if not chunk:
            raise ChannelClosed("the other side closed the channel")
        out += chunk
    return out


def _refuse_constant(name: str) -> Any:
    raise ProtocolError(f"{name} is not a number the protocol accepts")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ProtocolError("a number out of range")
    return value


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ProtocolError("an integer with too many digits")
    value = int(text)
    if not INT_MIN <= value <= INT_MAX:
        raise ProtocolError("an integer out of range")
    return value


def parse_header(data: bytes) -> Any:
    """Strict JSON: no NaN/Infinity, finite floats, 64-bit integers, bounded nesting."""
    try:
        return json.loads(
            data,
            parse_constant=_refuse_constant,
            parse_float=_parse_float,
            parse_int=_parse_int,
        )
    except ProtocolError:
        raise
    except RecursionError:
        raise ProtocolError("frame header nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"unreadable frame header: {exc}") from None


def recv_frame(
    sock: socket.socket,
    *,
    max_buffer_bytes: int,
    max_header_bytes: int = MAX_HEADER_BYTES,
    buffer_cap: Callable[[dict[str, Any]], int] | None = None,
) -> tuple[dict[str, Any], list[memoryview]]:
    """Read one frame, refusing sizes over the caps before reading them.

    ``buffer_cap(header)`` may lower the data cap by what the header says the frame is.
    """
    header_len, total = PREFIX.unpack(bytes(_recv_exact(sock, PREFIX.size)))
    if header_len > max_header_bytes:
        raise ProtocolError(f"frame header too large ({header_len} bytes)")
    if total > max_buffer_bytes:
        raise ProtocolError(f"frame too large ({total} bytes of data)")
    header = parse_header(bytes(_recv_exact(sock, header_len)))
    if not isinstance(header, dict):
        raise ProtocolError("frame header is not an object")
    lengths = header.get("buffers")
    if not isinstance(lengths, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in lengths
    ):
        raise ProtocolError("frame header without a valid buffer list")
    if sum(lengths) != total:
        raise ProtocolError("frame buffer lengths do not add up")
    if buffer_cap is not None and total > buffer_cap(header):
        raise ProtocolError(f"frame too large for what it is ({total} bytes of data)")
    blob = memoryview(_recv_exact(sock, total)) if total else memoryview(b"")
    buffers, offset = [], 0
    for n in lengths:
        buffers.append(blob[offset : offset + n])
        offset += n
    return header, buffers


def encode(value: Any, buffers: list[memoryview], on_other: Callable[[Any], Any]) -> Any:
    """Turn ``value`` into tagged JSON, appending array/bytes payloads to ``buffers``.

    ``on_other`` handles anything that is not plain data (returns a JSON-able tag or raises).
    Integers outside 64 bits raise OverflowError; NaN and infinities travel as ``$float`` tags.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise OverflowError(
                f"an integer of {len(str(abs(value)))} digits is too large to send to the "
                "grader (integers must fit in 64 bits)"
            )
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": str(value)}
    if isinstance(value, np.generic) and value.dtype.kind in ALLOWED_DTYPE_KINDS:
        return (
            encode(value.item(), buffers, on_other)
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
    """Decodes tagged JSON strictly; ``on_tag`` resolves tags other than the plain-data ones.

    Every failure, whatever the value, is a ``ProtocolError``.
    """

    def __init__(self, buffers: list[memoryview], on_tag: Callable[[dict[str, Any]], Any]):
        self.buffers = buffers
        self.on_tag = on_tag
        self.items = 0

    def decode(self, obj: Any) -> Any:
        try:
            return self._decode(obj, 0)
        except ProtocolError:
            raise
        except (ValueError, TypeError, OverflowError, KeyError, IndexError, RecursionError) as exc:
            raise ProtocolError(f"unreadable value: {type(exc).__name__}") from None

    def _decode(self, obj: Any, depth: int) -> Any:
        self.items += 1
        if depth > MAX_DEPTH or self.items > MAX_ITEMS:
            raise ProtocolError("value nested too deeply or too large")
        if obj is None or isinstance(obj, bool | str):
            return obj
        if isinstance(obj, int):
            if not INT_MIN <= obj <= INT_MAX:
                raise ProtocolError("an integer out of range")
            return obj
        if isinstance(obj, float):
            if not math.isfinite(obj):
                raise ProtocolError("a number out of range")
            return obj
        if isinstance(obj, list):
            return [self._decode(v, depth + 1) for v in obj]
        if not isinstance(obj, dict) or len(obj) == 0:
            raise ProtocolError("unexpected value in a message")
        if "$nd" in obj:
            return self._array(obj)
        if "$bytes" in obj:
            return bytes(self._buffer(obj["$bytes"]))
        if "$float" in obj:
            if obj["$float"] not in NON_FINITE:
                raise ProtocolError("unexpected value in a message")
            return NON_FINITE[obj["$float"]]
        if "$tuple" in obj and isinstance(obj["$tuple"], list):
            return tuple(self._decode(v, depth + 1) for v in obj["$tuple"])
        if "$dict" in obj and isinstance(obj["$dict"], dict):
            return {str(k): self._decode(v, depth + 1) for k, v in obj["$dict"].items()}
        return self.on_tag(obj)

    def _buffer(self, index: Any) -> memoryview:
        if (
            not isinstance(index, int)
            or isinstance(index, bool)
            or not 0 <= index < len(self.buffers)
        ):
            raise ProtocolError("reference to a missing buffer")
        return self.buffers[index]

    def _array(self, obj: dict[str, Any]) -> np.ndarray:
        buf = self._buffer(obj.get("$nd"))
        shape = obj.get("shape")
        dtype_name = obj.get("dtype")
        if not isinstance(dtype_name, str) or len(dtype_name) > 8:
            raise ProtocolError("array with an unknown dtype")
        try:
            dtype = np.dtype(dtype_name)
        except (TypeError, ValueError):
            raise ProtocolError("array with an unknown dtype") from None
        if dtype.kind not in ALLOWED_DTYPE_KINDS or dtype.hasobject or dtype.subdtype:
            raise ProtocolError(f"array dtype {dtype} is not allowed")
        if (
            not isinstance(shape, list)
            or len(shape) > MAX_DIMS
            or not all(
                isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_DIM for n in shape
            )
        ):
            raise ProtocolError("array with an invalid shape")
        count = 1
        for n in shape:
            count *= n
        if count * dtype.itemsize != buf.nbytes:
            raise ProtocolError("array size does not match its shape and dtype")
        array = np.frombuffer(buf, dtype=dtype).reshape(shape)
        # the frame's own buffer when it can be (no second copy of a large answer)
        return array if array.flags.writeable and array.flags.aligned else array.copy()
