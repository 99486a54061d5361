from tests.courses.conftest import courses_dir, example_dir, settings  # noqa: F401
