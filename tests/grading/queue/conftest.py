"""The queue tests share the real runner of the submission tests (one zygote per session)."""

from tests.submissions.conftest import runner

__all__ = ["runner"]
