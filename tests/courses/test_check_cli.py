"""`feynlab courses check`: every problem printed as FILE:LINE: MESSAGE, exit 1 when any."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from feynlab.cli import app

runner = CliRunner()


def test_check_passes_on_the_example_course(example_dir: Path) -> None:
    result = runner.invoke(app, ["courses", "check", "--no-prove", str(example_dir)])
    assert result.exit_code == 0, result.output
    assert "ok (2 lessons, 2 quizzes, 1 exercises)" in result.output


def test_check_prints_every_problem_with_file_and_line(courses_dir: Path) -> None:
    manifest = courses_dir / "example/course.yaml"
    manifest.write_text(manifest.read_text().replace("level: beginner", "level: expert"))
    (courses_dir / "example/exercises/add/starter.py").unlink()
    result = runner.invoke(app, ["courses", "check", "--no-prove", str(courses_dir)])
    assert result.exit_code == 1
    assert f"{courses_dir}/example/course.yaml:4: level: Input should be" in result.output
    assert f"{courses_dir}/example/exercises/add/starter.py: missing" in result.output
    assert "2 problem(s) found" in result.output


def test_format_only_check_does_not_prove(example_dir: Path) -> None:
    result = runner.invoke(app, ["courses", "check", "--no-prove", str(example_dir)])
    assert result.exit_code == 0, result.output
    assert "proving" not in result.output


def test_check_of_a_missing_folder_fails(tmp_path: Path) -> None:
    result = runner.invoke(app, ["courses", "check", "--no-prove", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "not a folder" in result.output
