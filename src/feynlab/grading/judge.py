"""The grader's view of the learner's code: ``judge.call``, remote handles, public arrays.

The judge runs in the grader host (grading/grader_host.py), an unprivileged process of its own;
its requests reach the learner's run through the worker. Every value that comes back is decoded
strictly and only plain data (numbers, strings, lists, dicts, NumPy arrays) or a handle to an
object that stays inside the sandbox. Hidden data is never sent: a grader sends inputs and scores
the outputs.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from feynlab.grading.exercise import PassBar
from feynlab.sandbox.protocol import Decoder, ProtocolError, encode

if TYPE_CHECKING:
    from feynlab.datasets.view import ViewBlock

ALLOWED_OBJECTS = frozenset({"feynlab.envs.snake:SnakeEnv"})


class Channel(Protocol):
    """What the judge needs of a run: one request, its reply (a ``LiveRun``, or the host's
    relay to one)."""

    def request(
        self,
        header: dict[str, Any],
        buffers: list[memoryview] | None = None,
        *,
        timeout_s: float | None = None,
    ) -> tuple[dict[str, Any], list[memoryview]]: ...


class LearnerError(Exception):
    """The learner's code raised; ``traceback`` shows their own frames only."""

    def __init__(self, traceback: str, exc_type: str) -> None:
        super().__init__(traceback)
        self.traceback = traceback
        self.exc_type = exc_type


class MissingFunction(Exception):
    """The learner's file does not define the function the grader asked for."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class PublicArray:
    """A file of the public data folder, passed by reference (the learner memory-maps it)."""

    def __init__(self, public_dir: Path, relative: str) -> None:
        path = (public_dir / relative).resolve()
        if not path.is_relative_to(public_dir.resolve()) or not path.is_file():
            raise FileNotFoundError(f"{relative!r} is not a file of the public data folder")
        self.relative = relative
        self.path = path

    def load(self) -> np.ndarray:
        """The array itself, for the grader's own use."""
        return np.load(self.path, mmap_mode="r", allow_pickle=False)


class RemoteHandle:
    """An object living inside the sandbox; calling it or its methods asks the learner's code."""

    def __init__(self, judge: Judge, handle: int, type_name: str) -> None:
        self._judge = judge
        self._handle = handle
        self.type_name = type_name

    def __call__(self, *args: Any, timeout_s: float | None = None, **kwargs: Any) -> Any:
        return self._judge._ask({"op": "handle", "handle": self._handle}, args, kwargs, timeout_s)

    def __getattr__(self, method: str) -> Any:
        if method.startswith("_"):
            raise AttributeError(method)

        def call(*args: Any, timeout_s: float | None = None, **kwargs: Any) -> Any:
            request = {"op": "handle", "handle": self._handle, "method": method}
            return self._judge._ask(request, args, kwargs, timeout_s)

        return call

    def __repr__(self) -> str:
        return f"<remote {self.type_name}>"


class Judge:
    """Passed to ``grade(judge)``; see docs/grader-api.md."""

    def __init__(
        self,
        live: Channel,
        *,
        public_dir: Path,
        default_timeout_s: float,
        view_seed: int | None = None,
        pass_bar: Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | None = None,
    ) -> None:
        self._live = live
        self.public_dir = public_dir
        self.default_timeout_s = default_timeout_s
        # The exercise's bar and view as the one reader validated them (exercise.yaml is never
        # read by a grader): ``judge.pass_bar.at_least``, ``judge.view``.
        self.pass_bar = None if pass_bar is None else PassBar(**pass_bar)
        self._view = dict(view or {})
        # The test view's seed: drawn by the worker per grading (stored with the verdict,
        # so that a regrade reproduces the view); never sent into the sandbox.
        self.view_seed = secrets.randbits(63) if view_seed is None else view_seed
        self.rng = np.random.default_rng(self.view_seed)

    @functools.cached_property
    def view(self) -> ViewBlock:
        """The exercise's ``view:`` block (its defaults when it has none)."""
        from feynlab.datasets.view import ViewBlock

        return ViewBlock.model_validate(self._view)

    def call(self, name: str, *args: Any, timeout_s: float | None = None, **kwargs: Any) -> Any:
        """Call the learner's top-level function ``name`` and return what it returned."""
        return self._ask({"op": "call", "name": name}, args, kwargs, timeout_s)

    def new(self, spec: str, *args: Any, timeout_s: float | None = None, **kwargs: Any) -> Any:
        """Build an allowed platform object inside the sandbox (e.g. a Snake environment)."""
        if spec not in ALLOWED_OBJECTS:
            raise ValueError(f"{spec} is not an object graders may create in the sandbox")
        return self._ask({"op": "new", "spec": spec}, args, kwargs, timeout_s)

    def public_array(self, relative: str) -> PublicArray:
        return PublicArray(self.public_dir, relative)

    def _ask(
        self, request: dict[str, Any], args: Any, kwargs: dict[str, Any], timeout_s: float | None
    ) -> Any:
        buffers: list[memoryview] = []
        request = {
            **request,
            "args": encode(list(args), buffers, self._encode_other),
            "kwargs": encode(kwargs, buffers, self._encode_other),
        }
        reply, reply_buffers = self._live.request(
            request, buffers, timeout_s=timeout_s or self.default_timeout_s
        )
        if reply.get("missing"):
            raise MissingFunction(str(reply["missing"]))
        if reply.get("ok") is not True:
            raise LearnerError(str(reply.get("error", ""))[:20_000], str(reply.get("exc_type")))
        return Decoder(reply_buffers, self._decode_tag).decode(reply.get("value"))

    def _encode_other(self, value: Any) -> dict[str, Any]:
        if isinstance(value, RemoteHandle):
            return {"$h": value._handle}
        if isinstance(value, PublicArray):
            return {"$pub": value.relative}
        raise TypeError(f"cannot send a {type(value).__name__} to the learner's code")

    def _decode_tag(self, tag: dict[str, Any]) -> RemoteHandle:
        handle = tag.get("$h")
        if not isinstance(handle, int) or isinstance(handle, bool):
            raise ProtocolError("unexpected value in a reply")
        return RemoteHandle(self, handle, str(tag.get("type", "object"))[:100])
