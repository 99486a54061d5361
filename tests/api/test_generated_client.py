"""The generated-client check (scripts/check-client.sh, a step of `make test`): it passes on the
client the OpenAPI schema generates now and fails, saying how to regenerate, on a stale one."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check-client.sh"
TOOL = ROOT / "frontend" / "node_modules" / ".bin" / "openapi-typescript"

pytestmark = [
    pytest.mark.slow,  # each check exports the schema and generates the client: seconds each
    pytest.mark.skipif(
        not TOOL.exists() or shutil.which("node") is None,
        reason="the front end's packages are not installed (cd frontend && npm ci)",
    ),
]


def check(client: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), str(client)], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def fresh_client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The client the schema the app exports now generates (as `npm run generate-client`)."""
    folder = tmp_path_factory.mktemp("client")
    schema = folder / "openapi.json"
    exported = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "feynlab"), "openapi"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    schema.write_text(exported.stdout)
    client = folder / "schema.d.ts"
    subprocess.run(
        [str(TOOL), str(schema), "-o", str(client)], capture_output=True, check=True, timeout=300
    )
    return client


def test_a_current_client_passes(fresh_client: Path) -> None:
    done = check(fresh_client)
    assert done.returncode == 0, done.stderr
    assert "is current" in done.stdout


def test_a_stale_client_fails_and_says_how_to_regenerate(
    fresh_client: Path, tmp_path: Path
) -> None:
    # The client as it was before the author's try route entered the schema: a name of that time.
    stale = tmp_path / "schema.d.ts"
    text = fresh_client.read_text()
    assert "TrialOut" in text
    stale.write_text(text.replace("TrialOut", "TryResult"))
    done = check(stale)
    assert done.returncode == 1
    assert "The generated API client is stale: run" in done.stderr
    assert "npm run generate-client" in done.stderr
    # The diff shown goes from the committed file to the one generated now.
    assert "-        TryResult: {" in done.stderr
    assert "+        TrialOut: {" in done.stderr


def test_a_missing_client_cannot_be_checked(tmp_path: Path) -> None:
    done = check(tmp_path / "schema.d.ts")
    assert done.returncode == 2
    assert "generate it with" in done.stderr
