"""Where the Python installation appears inside the sandbox: at its own path, or under
/opt/feynlab when it lies where the sandbox mounts something else (a checkout in /tmp)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from feynlab.sandbox import zygote_process
from feynlab.sandbox.zygote_process import Bind, inside, python_binds


def test_a_checkout_under_tmp_is_relocated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "prefix", "/tmp/ci/main/.venv")
    monkeypatch.setattr(zygote_process.feynlab, "__file__", "/tmp/ci/main/src/feynlab/__init__.py")
    binds = python_binds()
    dests = {b.source: b.dest for b in binds}
    assert dests["/tmp/ci/main/.venv"] == "/opt/feynlab/venv"
    assert dests["/tmp/ci/main/src"] == "/opt/feynlab/src"
    assert dests[sys.base_prefix] == sys.base_prefix
    assert inside(binds, "/tmp/ci/main/.venv/bin/python3") == "/opt/feynlab/venv/bin/python3"


def test_a_checkout_elsewhere_keeps_its_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "prefix", "/srv/app/.venv")
    monkeypatch.setattr(zygote_process.feynlab, "__file__", "/srv/app/src/feynlab/__init__.py")
    binds = python_binds()
    assert all(b.dest == b.source for b in binds)
    assert inside(binds, "/srv/app/.venv/bin/python3") == "/srv/app/.venv/bin/python3"


def test_inside_picks_the_longest_matching_bind() -> None:
    binds = [Bind("/a", "/x"), Bind("/a/b", "/y")]
    assert inside(binds, "/a/b/c") == "/y/c"
    assert inside(binds, "/a/c") == "/x/c"
    assert inside(binds, "/elsewhere") == "/elsewhere"


def test_usr_is_an_allow_list_without_its_data_folders() -> None:
    sources = [b.source for b in python_binds()]
    assert "/usr" not in sources
    assert not [s for s in sources if s.startswith("/usr/share/") and s != "/usr/share/zoneinfo"]
    assert not [s for s in sources if s.startswith(("/usr/bin", "/usr/local"))]


def test_a_python_under_usr_brings_its_own_folders_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "base_prefix", "/usr")
    monkeypatch.setattr(sys, "prefix", "/srv/app/.venv")
    monkeypatch.setattr(zygote_process.feynlab, "__file__", "/srv/app/src/feynlab/__init__.py")
    sources = [b.source for b in python_binds()]
    assert "/usr" not in sources
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if Path(f"/usr/lib/{version}").exists():
        assert f"/usr/lib/{version}" in sources


def test_a_python_without_a_virtualenv_under_usr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "base_prefix", "/usr")
    monkeypatch.setattr(sys, "prefix", "/usr")
    monkeypatch.setattr(zygote_process.feynlab, "__file__", "/srv/app/src/feynlab/__init__.py")
    assert "/usr" not in [b.source for b in python_binds()]
