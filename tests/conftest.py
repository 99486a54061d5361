"""Shared fixtures: a migrated database per test (SQLite, or PostgreSQL when asked), the app,
an HTTP client, and small factories for users."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from feynlab import db as database
from feynlab.accounts.models import Role, User
from feynlab.accounts.service import create_user
from feynlab.settings import Settings

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_COURSES = REPO / "tests" / "fixtures" / "courses"
PG_URL = os.environ.get("FEYNLAB_TEST_DATABASE_URL")
PASSWORD = "correct horse battery"


def pytest_report_header(config: pytest.Config) -> str:
    return f"feynlab database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.db"
    database.upgrade(f"sqlite:///{path}")
    database.engine_for(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_ready() -> Iterator[str]:
    """A schema of this test session's own, so that parallel runs never share tables."""
    assert PG_URL
    schema = f"feynlab_test_{os.getpid()}"
    admin = database.make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.fail(f"PostgreSQL at FEYNLAB_TEST_DATABASE_URL={PG_URL} is unreachable: {exc}")
    separator = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    database.upgrade(url)
    yield url
    database.engine_for(url).dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        url = request.getfixturevalue("_postgres_ready")
        yield url
        tables = [t.name for t in reversed(database.Base.metadata.sorted_tables)]
        with database.engine_for(url).begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        return
    template: Path = request.getfixturevalue("_sqlite_template")
    path = tmp_path / "feynlab.db"
    shutil.copy(template, path)
    url = f"sqlite:///{path}"
    yield url
    database.engine_for(url).dispose()


@pytest.fixture
def courses_dir(tmp_path: Path) -> Path:
    """A private copy of the example courses: authoring tests and fuzzing may write to it."""
    target = tmp_path / "courses"
    shutil.copytree(EXAMPLE_COURSES, target)
    return target


@pytest.fixture
def settings(db_url: str, tmp_path: Path, courses_dir: Path) -> Settings:
    return Settings(
        env="test",
        secret_key="test-secret-key-0123456789",
        database_url=db_url,
        courses_dir=courses_dir,
        data_dir=tmp_path / "data",
        var_dir=tmp_path / "var",
        frontend_dir=tmp_path / "no-frontend",
        create_demo_users=False,
        workers=1,
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    from feynlab.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def make_user(app: FastAPI) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def factory(role: Role = Role.learner, email: str | None = None) -> User:
        with app.state.sessionmaker() as session:
            user = create_user(
                db=session,
                email=email or f"{role.value}{next(counter)}@example.org",
                password=PASSWORD,
                name=f"{role.value.title()} Person",
                role=role,
            )
            session.commit()
            return user

    return factory


@pytest.fixture
def login(app: FastAPI) -> Callable[[User], dict[str, str]]:
    """Log a user in through the API and return bearer headers for it."""

    def do_login(user: User) -> dict[str, str]:
        # No `with`: the app's start-up already ran in the `client` fixture or is not needed.
        response = TestClient(app).post(
            "/api/auth/login", json={"email": user.email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return do_login
