"""Course YAML that attacks the parser (issue 13.10): a billion-laughs file and a recursive
alias are refused fast as format problems, through `feynlab courses check` and the authoring
preview."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from feynlab.accounts.models import Role
from feynlab.cli import app as cli

LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    + ["slug: example", "title: Bomb"]
)
RECURSIVE = "slug: example\ntitle: &loop [*loop]\n"
DEEP = "slug: example\ntitle: " + "[" * 5000 + "]" * 5000 + "\n"


def test_a_billion_laughs_course_yaml_is_refused_fast_by_the_cli(courses_dir: Path) -> None:
    """Regression: 377 bytes cost 224 s of CPU in one check."""
    (courses_dir / "example" / "course.yaml").write_text(LAUGHS)
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["courses", "check", "--no-prove", str(courses_dir)])
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert "anchors and aliases" in result.output and "course.yaml:1:" in result.output


def test_attacks_on_the_parser_are_format_problems_in_the_preview(
    client: TestClient, make_user, login
) -> None:
    """Regression: a recursive alias gave a 500."""
    staff = login(make_user(Role.instructor))
    for content, words in (
        (LAUGHS, "anchors and aliases"),
        (RECURSIVE, "anchors and aliases"),
        (DEEP, "nested too deeply"),
    ):
        started = time.monotonic()
        response = client.post(
            "/api/authoring/preview-check",
            json={"path": "example/course.yaml", "content": content},
            headers=staff,
        )
        assert time.monotonic() - started < 10
        assert response.status_code == 200, response.text
        messages = [p["message"] for p in response.json()["problems"]]
        assert any(words in m for m in messages), messages
