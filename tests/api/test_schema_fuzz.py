"""Property-based run of the OpenAPI schema (schemathesis): no 500, no response that breaks
the schema, as an instructor (who may call every route)."""

from __future__ import annotations

import re

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from feynlab.accounts.models import Role
from feynlab.app import create_app
from feynlab.settings import Settings

# Event streams never end by themselves; their own tests cover them.
STREAMING = r"/events$"


def _operations(app: FastAPI) -> dict[str, object]:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app).exclude(path_regex=STREAMING)
    found = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        found[f"{operation.method.upper()} {operation.path}"] = operation
    return found


def _labels() -> list[str]:
    """The operations, read from the schema alone (no request, no database) at collection."""
    paths = create_app(Settings(env="test", database_url="sqlite://")).openapi()["paths"]
    return sorted(
        f"{method.upper()} {path}"
        for path, item in paths.items()
        for method in item
        if not re.search(STREAMING, path)
    )


LABELS = _labels()


@pytest.mark.parametrize("label", LABELS)
def test_no_server_error_and_responses_match_schema(label: str, app: FastAPI, make_user, login):
    headers = login(make_user(Role.instructor))
    # The login brake's waits (up to 10 s a request past the limit) would turn a hundred fuzzed
    # logins into minutes, and its growing counters make replays differ; its own tests cover it.
    app.state.settings.login_address_delay_s = 0.0
    app.state.settings.login_max_failures = 10**6
    operation = _operations(app)[label]

    @given(case=operation.as_strategy())  # type: ignore[attr-defined]
    @settings(
        max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def check(case) -> None:
        case.call_and_validate(
            headers=headers,
            checks=[checks.not_a_server_error, checks.response_schema_conformance],
            excluded_checks=[
                checks.status_code_conformance,
                checks.positive_data_acceptance,
                checks.negative_data_rejection,
                checks.content_type_conformance,
                checks.response_headers_conformance,
                checks.missing_required_header,
                checks.ignored_auth,
                checks.unsupported_method,
                checks.use_after_free,
                checks.ensure_resource_availability,
            ],
        )

    check()
