from tests.classes.conftest import graded, join, make_class  # noqa: F401
