"""The learner-side harness: runs learner code inside the sandbox and answers the grader.

Learner code runs in this same process and can tamper with everything here, so nothing this
module says is trusted by the parent: it is a convenience that turns the grader's questions into
calls, and plots and Keras progress into events. The grader scores only values it checks.

Importing this module is cheap (no NumPy, Matplotlib or Keras at module level): a zygote that
preloads only some libraries still imports it. What it adds to those libraries (the Keras
progress callback, ``plt.show`` sending figures, seeding) is installed when the library is
imported, now if the zygote preloaded it, or later by the learner's own import.
"""

from __future__ import annotations

import importlib
import io
import math
import os
import random
import socket
import sys
import threading
import time
import traceback
import types
from typing import Any, NoReturn

from feynlab.sandbox import adapters, shims
from feynlab.sandbox.protocol import (
    MAX_HEADER_BYTES,
    ChannelClosed,
    Decoder,
    encode,
    frame_header,
    recv_frame,
    send_encoded,
    send_frame,
)

MAX_FIGURES = 20
MAX_INPUT_BYTES = 1 << 34  # the grader is trusted; this only guards against a bug
MAX_INPUT_HEADER_BYTES = 1 << 28
MAX_ERROR_CHARS = 16_000
PROGRESS_INTERVAL_S = 0.25
FIRST_PRINTERS_BYTES = 2 * 1024  # the lines that print most are reported at 2 KB, 4 KB, 8 KB...
MAX_PRINTER_LINES = 1000
MAX_FRAMES = 50


class TooLargeToSend(ValueError):
    """A returned value whose description would not fit in one message to the grader."""


class Harness:
    def __init__(self, sock: socket.socket, *, work_dir: str, data_dir: str) -> None:
        self.sock = sock
        self.lock = threading.Lock()
        self.work_dir = work_dir
        self.data_dir = data_dir
        self.handles: dict[int, Any] = {}
        self.origins: dict[int, str] = {}  # handle -> the learner's function that returned it
        self.calling: str | None = None
        self.figures_sent = 0
        self.filename = ""
        self.printed: dict[int, int] = {}  # line of the learner's file -> bytes it printed
        self._printed_bytes = 0
        self._next_report = FIRST_PRINTERS_BYTES

    # -- sending -------------------------------------------------------------------------------
    def send(self, header: dict[str, Any], buffers: list[memoryview] | None = None) -> None:
        with self.lock:
            send_frame(self.sock, header, buffers or [])

    def event(self, event: dict[str, Any], buffers: list[memoryview] | None = None) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        self.send({"kind": "event", "event": event}, buffers)

    def count_print(self, nbytes: int) -> None:
        """Add a write of the learner's to the line of their file it came from; every
        doubling of the bytes printed the lines that printed most are sent (for the output cap's
        message: the trusted side checks them and uses them as a hint, nothing more)."""
        frame: types.FrameType | None = sys._getframe(2)
        for _ in range(MAX_FRAMES):
            if frame is None or frame.f_code.co_filename == self.filename:
                break
            frame = frame.f_back
        if frame is None or frame.f_code.co_filename != self.filename:
            return
        line = frame.f_lineno
        if line in self.printed or len(self.printed) < MAX_PRINTER_LINES:
            self.printed[line] = self.printed.get(line, 0) + nbytes
        self._printed_bytes += nbytes
        if self._printed_bytes >= self._next_report:
            self._next_report = 2 * self._printed_bytes
            top = sorted(self.printed.items(), key=lambda kv: -kv[1])[:3]
            self.event({"type": "printers", "lines": [[line, n] for line, n in top]})

    def send_figures(self) -> None:
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is None:  # never imported: there is nothing to draw
            return
        for num in plt.get_fignums():
            fig = plt.figure(num)
            try:
                self._send_figure(fig)
            except Exception as exc:
                print(f"Could not draw figure {num}: {exc}", file=sys.stderr)
            plt.close(fig)

    def _send_figure(self, fig: Any) -> None:
        if self.figures_sent < MAX_FIGURES:
            png = io.BytesIO()
            fig.savefig(png, format="png", dpi=80)
            width, height = (int(v) for v in fig.get_size_inches() * 80)
            self.event(
                {"type": "figure", "format": "png", "width": width, "height": height},
                [memoryview(png.getvalue())],
            )
            self.figures_sent += 1

    # -- values --------------------------------------------------------------------------------
    def encode_value(self, value: Any, buffers: list[memoryview]) -> Any:
        def other(obj: Any) -> dict[str, Any]:
            handle = len(self.handles) + 1
            self.handles[handle] = obj
            if self.calling:
                self.origins[handle] = self.calling
            return {"$h": handle, "type": type(obj).__name__}

        return encode(value, buffers, other)

    def decode_value(self, obj: Any, buffers: list[memoryview]) -> Any:
        def tag(t: dict[str, Any]) -> Any:
            if "$h" in t:
                return self.handles[int(t["$h"])]
            if "$pub" in t:
                import numpy as np

                path = os.path.join(self.data_dir, str(t["$pub"]))
                # copy-on-write: the learner's code may change its copy in place, as it could
                # an array sent over the channel; untouched pages stay shared (page cache)
                return np.load(path, mmap_mode="c", allow_pickle=False)
            raise ValueError(f"unknown tag {t!r}")

        return Decoder(buffers, tag).decode(obj)

    # -- requests ------------------------------------------------------------------------------
    def exec_code(self, code: str, filename: str) -> types.ModuleType:
        path = os.path.join(self.work_dir, filename)
        with open(path, "w") as f:
            f.write(code)
        self.filename = path
        module = types.ModuleType("__main__")
        module.__file__ = path
        sys.modules["__main__"] = module
        exec(compile(code, path, "exec"), module.__dict__)
        return module

    def error_reply(self, exc: BaseException) -> dict[str, Any]:
        if isinstance(exc, adapters.NotAModel):  # its message is what the learner needs
            return {"ok": False, "error": f"NotAModel: {exc}", "exc_type": "NotAModel"}
        error = learner_traceback(exc, self.filename)
        note = shims.explain(exc)
        if note:
            error = f"{error.rstrip()}\n{note}\n"
        if len(error) > MAX_ERROR_CHARS:  # the grader reads small headers only
            half = MAX_ERROR_CHARS // 2
            error = error[:half] + "\n[... cut ...]\n" + error[-half:]
        return {"ok": False, "error": error, "exc_type": type(exc).__name__[:100]}

    def send_value(self, value: Any) -> None:
        """Reply with ``value``; one that cannot cross is the learner's error, said plainly."""
        buffers: list[memoryview] = []
        try:
            header = {"kind": "reply", "ok": True, "value": self.encode_value(value, buffers)}
            head = frame_header(header, buffers)
            if len(head) > MAX_HEADER_BYTES:
                raise TooLargeToSend(
                    "the value returned is too large to send to the grader as a list, tuple or "
                    "dict; return a NumPy array instead (for example np.array(values))"
                )
        except (OverflowError, ValueError, RecursionError) as exc:
            self.send({"kind": "reply", **self.error_reply(exc)})
            return
        with self.lock:
            send_encoded(self.sock, head, buffers)

    def answer(self, module: types.ModuleType | None, request: dict[str, Any], bufs: list) -> None:
        op = request.get("op")
        args = self.decode_value(request.get("args", []), bufs)
        kwargs = self.decode_value(request.get("kwargs", {"$dict": {}}), bufs)
        self.calling = None
        if op == "call":
            target = getattr(module, str(request["name"]), None)
            if not callable(target):
                self.send({"kind": "reply", "ok": False, "missing": str(request["name"])[:200]})
                return
            self.calling = str(request["name"])[:200]
        elif op == "handle":
            handle = int(request["handle"])
            target = self.handles[handle]
            method = request.get("method")
            if method:
                try:
                    if method == "predict":  # a Keras, PyTorch or scikit-learn model alike
                        origin = self.origins.get(handle)
                        target = adapters.predictor(target, returned_by=origin)
                    else:
                        target = getattr(target, str(method))
                except BaseException as exc:  # no such method: the learner's error, not ours
                    self.send({"kind": "reply", **self.error_reply(exc)})
                    return
        elif op == "new":
            module_name, _, cls_name = str(request["spec"]).partition(":")
            target = getattr(importlib.import_module(module_name), cls_name)
        else:
            raise ValueError(f"unknown request {op!r}")
        try:
            value = target(*args, **kwargs)
        except BaseException as exc:
            self.send({"kind": "reply", **self.error_reply(exc)})
            return
        self.send_value(value)


HARNESS: Harness | None = None


class CountedStream:
    """sys.stdout / sys.stderr: the real stream, with each text write counted to the line of
    the learner's file that made it (redraws, with a carriage return, are not counted)."""

    def __init__(self, stream: io.TextIOWrapper, harness: Harness) -> None:
        self._stream = stream
        self._harness = harness

    def write(self, text: str) -> int:
        written = self._stream.write(text)
        # print() writes its "\n" apart: the text before it is what counts
        if text != "\n" and "\r" not in text and self._harness.filename:
            self._harness.count_print(len(text))
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def progress_callback_class() -> type:
    """The Keras callback that sends training progress as ``progress`` events (installed into
    every ``fit``); built on first use, so that importing this module does not import Keras."""
    global _PROGRESS_CALLBACK
    if _PROGRESS_CALLBACK is None:
        import keras

        class ProgressCallback(keras.callbacks.Callback):
            def __init__(self) -> None:
                super().__init__()
                self.epoch = 0
                self.last = 0.0

            def _send(self, batch: int | None, logs: dict[str, Any] | None) -> None:
                if HARNESS is None:
                    return
                params = self.params or {}
                HARNESS.event(
                    {
                        "type": "progress",
                        "epoch": self.epoch + 1,
                        "epochs": _count(params.get("epochs")),
                        "batch": batch,
                        "batches": _count(params.get("steps")),
                        "logs": progress_logs(logs),
                    }
                )

            def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
                self.epoch = epoch

            def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
                now = time.monotonic()
                if now - self.last >= PROGRESS_INTERVAL_S:
                    self.last = now
                    self._send(batch + 1, logs)

            def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
                self._send(None, logs)

        _PROGRESS_CALLBACK = ProgressCallback
    return _PROGRESS_CALLBACK


_PROGRESS_CALLBACK: type | None = None


def progress_logs(logs: dict[str, Any] | None) -> dict[str, float | None]:
    """Keras logs as the grader reads them: scalars only, NaN and infinities as null (a gap in
    the chart: a NaN loss is shown, it does not break the run)."""
    clean: dict[str, float | None] = {}
    for name, value in list((logs or {}).items())[:32]:
        if _is_scalar(value):
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            clean[str(name)[:64]] = number if math.isfinite(number) else None
    return clean


def _is_scalar(value: Any) -> bool:
    """A number, or a 0-d array or tensor (without importing NumPy: ``ndim`` says it)."""
    return isinstance(value, int | float) or getattr(value, "ndim", None) == 0


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _install_hooks(harness: Harness) -> None:
    def patch_keras(keras: types.ModuleType) -> None:
        original_fit = keras.Model.fit

        def fit(self: Any, *args: Any, callbacks: Any = None, **kwargs: Any) -> Any:
            callbacks = [*list(callbacks or []), progress_callback_class()()]
            return original_fit(self, *args, callbacks=callbacks, **kwargs)

        keras.Model.fit = fit

    def patch_pyplot(plt: types.ModuleType) -> None:
        plt.show = lambda *args, **kwargs: harness.send_figures()  # type: ignore[attr-defined]

    shims.when_imported("keras", patch_keras)
    shims.when_imported("matplotlib.pyplot", patch_pyplot)


def learner_traceback(exc: BaseException, filename: str) -> str:
    """A short traceback showing only the frames of the learner's own file, and no path of the
    platform's (the libraries' folders and the platform's own package are named, not shown)."""
    tb = traceback.TracebackException.from_exception(exc)
    tb.stack = traceback.StackSummary.from_list([f for f in tb.stack if f.filename == filename])
    tb.__cause__ = tb.__context__ = None
    text = "".join(tb.format())
    text = text.replace(filename, os.path.basename(filename))
    if type(exc).__module__.startswith("feynlab."):  # e.g. feynlab.sandbox.shims.NoInternet
        text = text.replace(f"{type(exc).__module__}.", "")
    return shims.hide_paths(text)


def _reseed(seed: int, threads: int) -> None:
    random.seed(seed)

    def seed_numpy(np: types.ModuleType) -> None:
        np.random.seed(seed % 2**32)
        if threads > 1:
            from threadpoolctl import threadpool_limits

            threadpool_limits(threads)

    def seed_torch(torch: types.ModuleType) -> None:
        torch.manual_seed(seed)
        torch.set_num_threads(threads)

    shims.when_imported("numpy", seed_numpy)
    shims.when_imported("torch", seed_torch)


def main(*, channel_fd: int, seed: int, threads: int, work_dir: str, data_dir: str) -> NoReturn:
    global HARNESS
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    sock = socket.socket(fileno=channel_fd)
    HARNESS = harness = Harness(sock, work_dir=work_dir, data_dir=data_dir)
    sys.stdout = CountedStream(sys.stdout, harness)  # type: ignore[assignment]
    sys.stderr = CountedStream(sys.stderr, harness)  # type: ignore[assignment]
    _reseed(seed, threads)
    shims.install(threads=threads, work_dir=work_dir)
    _install_hooks(harness)
    module: types.ModuleType | None = None
    try:
        while True:
            request, bufs = recv_frame(
                sock, max_buffer_bytes=MAX_INPUT_BYTES, max_header_bytes=MAX_INPUT_HEADER_BYTES
            )
            op = request.get("op")
            if op in ("run", "load"):
                try:
                    module = harness.exec_code(str(request["code"]), str(request["filename"]))
                    reply: dict[str, Any] = {"ok": True}
                except SystemExit as exc:
                    code = exc.code
                    status = code if isinstance(code, int) and -(2**31) <= code < 2**31 else 1
                    reply = {"ok": code in (None, 0), "exit": status}
                except BaseException as exc:
                    reply = harness.error_reply(exc)
                if op == "run":
                    harness.send_figures()
                sys.stdout.flush()
                sys.stderr.flush()
                harness.send({"kind": "reply", **reply})
                if op == "run":
                    break
            elif op == "finish":
                harness.send_figures()
                # What was printed is all written before the reply, and the output pipes close
                # with it: the trusted side then has the run's whole output without waiting for
                # this process to exit (a large one takes tens of milliseconds to tear down).
                sys.stdout.flush()
                sys.stderr.flush()
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                os.close(devnull)
                harness.send({"kind": "reply", "ok": True})
                break
            else:
                harness.answer(module, request, bufs)
    except ChannelClosed:
        pass
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
