"""What the learner's process adds to the libraries it finds, so that code written as tutorials
write it works here, and what goes wrong is said in a beginner's words.

Runs inside the sandbox, in the learner's process (nothing here is trusted by the grader):
- post-import hooks (``when_imported``): patch a library once it is imported, now if the zygote
  preloaded it, else on the learner's own first import, so that importing the harness stays
  cheap;
- ``from tensorflow import keras`` / ``import tensorflow`` fails with one line saying what to
  write instead (Keras 3 runs on PyTorch here);
- a network call fails at once with "this sandbox has no internet", naming where the data sets
  are (the sandbox has no network: without this, a beginner reads a DNS error);
- joblib (scikit-learn's parallel helper) is told how many cores the run may use, so it does not
  look for the number of physical cores (its warning appeared in every scikit-learn cell).
"""

from __future__ import annotations

import errno
import ipaddress
import os
import re
import socket
import sys
import types
import warnings
from collections.abc import Callable
from typing import Any

TENSORFLOW_NOTE = "TensorFlow is not installed here; write `import keras` (Keras 3 runs on PyTorch)"
NO_INTERNET = (
    "this sandbox has no internet: the datasets are in `feynlab.datasets` and `keras.datasets`"
)
LOCAL_HOSTS = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
UNREACHABLE = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN})


class NoInternet(socket.gaierror):
    """A name lookup for a host outside the sandbox (there is no network to reach it)."""

    def __init__(self) -> None:
        super().__init__(socket.EAI_NONAME, NO_INTERNET)

    def __str__(self) -> str:
        return NO_INTERNET


class _AfterImport:
    """Runs callbacks right after a module is first imported (a post-import hook).

    It finds the module's real spec through the other finders and wraps its loader, so the
    module is loaded exactly as it would be; the callbacks run once it is fully executed.
    """

    def __init__(self) -> None:
        self.hooks: dict[str, list[Callable[[types.ModuleType], None]]] = {}

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in self.hooks:
            return None
        spec = None
        for finder in sys.meta_path:
            if finder is not self and hasattr(finder, "find_spec"):
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    break
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _HookedLoader(spec.loader, self.hooks.pop(name))  # type: ignore[assignment]
        return spec


class _HookedLoader:
    def __init__(self, loader: Any, hooks: list[Callable[[types.ModuleType], None]]) -> None:
        self.loader = loader
        self.hooks = hooks

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        self.loader.exec_module(module)
        for hook in self.hooks:
            hook(module)

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, is_package...
        return getattr(self.loader, name)


_AFTER_IMPORT = _AfterImport()


def when_imported(name: str, hook: Callable[[types.ModuleType], None]) -> None:
    """Call ``hook(module)`` now if ``name`` is imported, else right after its first import."""
    module = sys.modules.get(name)
    if module is not None:
        hook(module)
        return
    _AFTER_IMPORT.hooks.setdefault(name, []).append(hook)
    if _AFTER_IMPORT not in sys.meta_path:
        sys.meta_path.insert(0, _AFTER_IMPORT)


def install(*, threads: int, work_dir: str | None = None) -> None:
    """Install every shim; called by the harness before the learner's code runs."""
    global _WORK_DIR
    _WORK_DIR = work_dir
    warnings.formatwarning = _format_warning
    os.environ["LOKY_MAX_CPU_COUNT"] = str(max(1, threads))
    when_imported("joblib.externals.loky.backend.context", _known_cores)
    _offline_lookups()


_WORK_DIR: str | None = None
_LIBRARY_PATH = re.compile(r"(?:/[^\s'\"/]+)+/(?:site|dist)-packages/")
_real_format_warning = warnings.formatwarning


def hide_paths(text: str) -> str:
    """``text`` without the platform's folders: a library file is named from its package
    (``keras/src/layers/core/dense.py``), the learner's own from its name (``cell.py``)."""
    text = _LIBRARY_PATH.sub("", text)
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../feynlab
    text = text.replace(package + os.sep, "feynlab/")
    if _WORK_DIR and len(_WORK_DIR) > 1:
        text = text.replace(_WORK_DIR.rstrip(os.sep) + os.sep, "")
    prefix = sys.base_prefix
    return text.replace(prefix + os.sep, "") if len(prefix) > 1 else text


def _format_warning(
    message: Any, category: Any, filename: str, lineno: int, line: Any = None
) -> str:
    """Python's warning line, with the file named without its folders."""
    return hide_paths(_real_format_warning(message, category, filename, lineno, line))


def _known_cores(context: types.ModuleType) -> None:
    """joblib asks ``lscpu`` for the physical cores when the user's limit is not below the
    machine's (one core): it is told the answer, so it neither runs it nor warns."""
    if getattr(context, "physical_cores_cache", None) is None:
        context.physical_cores_cache = os.cpu_count() or 1  # type: ignore[attr-defined]


def _offline_lookups() -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_local(host):
            raise NoInternet()
        return real(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def _is_local(host: Any) -> bool:
    if host is None:
        return True
    name = host.decode(errors="replace") if isinstance(host, bytes) else str(host)
    name = name.strip("[]").lower()
    if name in LOCAL_HOSTS or name == "":
        return True
    try:
        address = ipaddress.ip_address(name.split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def explain(exc: BaseException) -> str | None:
    """A one-line note for an error a beginner would misread (None: the error says it)."""
    if isinstance(exc, NoInternet):  # its own message says it
        return None
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 20:
        seen.add(id(current))
        if isinstance(current, ModuleNotFoundError):
            name = current.name or ""
            if name == "tensorflow" or name.startswith("tensorflow."):
                return TENSORFLOW_NOTE
        if isinstance(current, NoInternet) or (
            isinstance(current, OSError) and current.errno in UNREACHABLE
        ):
            return NO_INTERNET[0].upper() + NO_INTERNET[1:]
        current = current.__cause__ or current.__context__
    return None
