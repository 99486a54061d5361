"""The ``requires=`` option of a lesson cell: parsed into cell indexes, and a wrong one is a
problem `feynlab courses check` reports with its line."""

from __future__ import annotations

from feynlab.courses.lessons import parse_lesson

HEAD = "---\ntitle: T\n---\n"


def parse(body: str):
    return parse_lesson(HEAD + body, slug="t", file="lessons/t.md", figure_exists=lambda _: True)


def test_requires_previous_and_numbers() -> None:
    parsed = parse(
        "```python\na = 1\n```\n\n```python requires=previous\nb = a\n```\n\n"
        "```python norun\nshown only\n```\n\n```python requires=1,2\nc = a + b\n```\n"
    )
    assert parsed.problems == []
    assert parsed.lesson is not None
    assert [c.requires for c in parsed.lesson.cells] == [(), (0,), (0, 1)]


def test_a_requires_that_names_no_earlier_cell_is_a_problem() -> None:
    for option in ("requires=previous", "requires=1", "requires=first"):
        parsed = parse(f"```python {option}\na = 1\n```\n")
        assert parsed.lesson is None
        assert [(p.line, "must name earlier cells" in p.message) for p in parsed.problems] == [
            (4, True)
        ]
    later = parse("```python\na = 1\n```\n\n```python requires=3\nb = 2\n```\n")
    assert "cell 2: requires=3" in later.problems[0].message
