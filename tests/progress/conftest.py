from tests.courses.conftest import example_dir  # noqa: F401
