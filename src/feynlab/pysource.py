"""Parsing Python source in the server's and workers' processes, where threads run side by side."""

from __future__ import annotations

import ast
import threading

_PARSING = threading.Lock()
_MISMATCH = "recursion depth mismatch"
_TRIES = 3


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse``, one thread at a time.

    CPython 3.11 keeps the AST constructor's recursion depth in one state per interpreter, not per
    thread: two threads that parse at once (a spare grader host starting beside a grading) can
    fail with ``SystemError: AST constructor recursion depth mismatch`` (python/cpython#106905
    and its kin; CI lost a reference solution's proof to it). The lock keeps our own parses
    apart; a parse that raced one we do not hold (``traceback`` parses a failing line to point at
    it) is tried again, since parsing the same text gives the same tree."""
    for _ in range(_TRIES - 1):
        try:
            with _PARSING:
                return ast.parse(source, filename)
        except SystemError as exc:
            if _MISMATCH not in str(exc):
                raise
    with _PARSING:
        return ast.parse(source, filename)
