"""Finds broken LaTeX math in Markdown prose: unclosed ``$``/``$$``, unbalanced braces and
``\\begin{x}`` without ``\\end{x}``. A literal dollar sign is written ``\\$``."""

from __future__ import annotations

import re

from feynlab.courses.problems import Problem

_ENV = re.compile(r"\\(begin|end)\s*\{([^{}]*)\}")


def _check_formula(body: str, *, file: str, line: int, problems: list[Problem]) -> None:
    """Braces and environments inside one formula whose text starts on ``line``."""
    stack: list[int] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            i += 2
            continue
        if char == "{":
            stack.append(i)
        elif char == "}":
            if not stack:
                at = line + body.count("\n", 0, i)
                problems.append(Problem(file, at, "math: '}' without a matching '{'"))
            else:
                stack.pop()
        i += 1
    for start in stack:
        at = line + body.count("\n", 0, start)
        problems.append(Problem(file, at, "math: '{' is never closed with '}'"))
    envs: list[tuple[str, int]] = []
    for match in _ENV.finditer(body):
        kind, name = match.group(1), match.group(2).strip()
        at = line + body.count("\n", 0, match.start())
        if kind == "begin":
            envs.append((name, at))
        elif envs and envs[-1][0] == name:
            envs.pop()
        elif envs:
            opened, opened_at = envs.pop()
            problems.append(
                Problem(
                    file,
                    at,
                    f"math: \\end{{{name}}} closes \\begin{{{opened}}} from line {opened_at}",
                )
            )
        else:
            problems.append(Problem(file, at, f"math: \\end{{{name}}} without \\begin{{{name}}}"))
    for name, at in envs:
        problems.append(Problem(file, at, f"math: \\begin{{{name}}} without \\end{{{name}}}"))


def _next_line_blank(text: str, newline: int) -> bool:
    end = text.find("\n", newline + 1)
    rest = text[newline + 1 : end if end != -1 else len(text)]
    return rest.strip() == ""


def check_math(text: str, *, file: str, first_line: int = 1) -> list[Problem]:
    """Problems of the math in ``text`` (prose: code fences must already be blanked out)."""
    problems: list[Problem] = []
    mode: str | None = None
    start = start_line = 0
    line = first_line
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            if mode == "$" and _next_line_blank(text, i):
                problems.append(
                    Problem(file, start_line, "math: '$' is never closed (write \\$ for a dollar)")
                )
                mode = None
            line += 1
            i += 1
        elif char == "\\":
            line += text.count("\n", i + 1, i + 2)
            i += 2
        elif char == "`" and mode is None:
            run = len(text) - len(text[i:].lstrip("`"))
            ticks = text[i:run]
            close = text.find(ticks, run)
            while close != -1 and close + len(ticks) < n and text[close + len(ticks)] == "`":
                close = text.find(ticks, close + len(ticks) + 1)
            if close == -1:
                i = run
            else:
                line += text.count("\n", i, close)
                i = close + len(ticks)
        elif text.startswith("$$", i):
            if mode == "$$":
                _check_formula(text[start:i], file=file, line=start_line, problems=problems)
                mode = None
            elif mode == "$":
                problems.append(
                    Problem(
                        file, line, f"math: '$$' inside the '$' formula opened at line {start_line}"
                    )
                )
                mode = None
            else:
                mode, start, start_line = "$$", i + 2, line
            i += 2
        elif char == "$":
            after = text[i + 1] if i + 1 < n else ""
            if mode == "$":
                # Closing $: not after a space and not followed by a digit (Pandoc's rule).
                if not text[i - 1].isspace() and not after.isdigit():
                    _check_formula(text[start:i], file=file, line=start_line, problems=problems)
                    mode = None
            elif mode is None and after and not after.isspace():
                mode, start, start_line = "$", i + 1, line
            i += 1
        else:
            i += 1
    if mode == "$$":
        problems.append(Problem(file, start_line, "math: '$$' is never closed"))
    elif mode == "$":
        problems.append(
            Problem(file, start_line, "math: '$' is never closed (write \\$ for a dollar)")
        )
    return problems
