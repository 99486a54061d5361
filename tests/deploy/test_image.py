"""The Dockerfile against the manifests in deploy/ and the code, without building the image.

Nothing here needs Docker: the Dockerfile and .dockerignore are parsed (the few instructions we
use, with Docker's rules for continuations, comments, the exec form and variables), the manifests
are read as YAML, and the manifests' commands are parsed by the `feynlab` CLI itself.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import typer.main
import yaml

from feynlab import cli

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]
VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


@dataclass
class Instruction:
    keyword: str
    value: str  # the text after the keyword and its --flags
    flags: dict[str, str] = field(default_factory=dict)

    @property
    def exec_form(self) -> list[str]:
        """CMD/ENTRYPOINT in the JSON form (the shell form would run under /bin/sh -c)."""
        assert self.value.startswith("["), f"{self.keyword} should use the exec form"
        words = json.loads(self.value)
        assert isinstance(words, list) and all(isinstance(w, str) for w in words)
        return words


@dataclass
class Stage:
    image: str
    name: str
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction:
        found = self.all(keyword)
        assert found, f"stage {self.name} has no {keyword}"
        return found[-1]

    def env(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for ins in self.all("ENV"):
            for word in shlex.split(ins.value):
                key, _, value = word.partition("=")
                env[key] = _expand(value, env)
        return env

    def build_args(self) -> dict[str, str]:
        return dict(w.partition("=")[::2] for i in self.all("ARG") for w in shlex.split(i.value))

    def copies(self) -> list[tuple[list[str], str, Instruction]]:
        """(sources, destination, instruction) of every COPY, destinations made absolute."""
        found, workdir = [], "/"
        for ins in self.instructions:
            if ins.keyword == "WORKDIR":
                workdir = str(PurePosixPath(workdir, ins.value))
            elif ins.keyword == "COPY":
                *sources, dest = shlex.split(ins.value)
                found.append((sources, str(PurePosixPath(workdir, dest)), ins))
        return found


def _expand(text: str, variables: dict[str, str]) -> str:
    return VARIABLE.sub(lambda m: variables.get(m[1] or m[2], m[0]), text)


def parse_dockerfile(text: str) -> list[Stage]:
    """Stages and their instructions; comment lines vanish even inside a continued instruction."""
    lines, current = [], ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or not stripped:
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    assert not current, "the Dockerfile ends inside a continued instruction"
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        ins = Instruction(keyword.upper(), rest.strip())
        while ins.value.startswith("--"):
            flag, _, ins.value = ins.value.partition(" ")
            name, _, value = flag[2:].partition("=")
            ins.flags[name], ins.value = value, ins.value.strip()
        if ins.keyword == "FROM":
            image, *alias = shlex.split(ins.value)
            name = alias[1] if alias and alias[0].lower() == "as" else str(len(stages))
            stages.append(Stage(_expand(image, global_args), name))
        elif not stages:
            assert ins.keyword == "ARG", f"{ins.keyword} before the first FROM"
            key, _, default = ins.value.partition("=")
            global_args[key] = default
        else:
            stages[-1].instructions.append(ins)
    return stages


STAGES = parse_dockerfile((ROOT / "Dockerfile").read_text())
IMAGE = STAGES[-1]  # the stage that becomes the image
STAGE = {s.name: s for s in STAGES}
ENV = IMAGE.env()


def _deployments() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(DEPLOY.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc["kind"] == "Deployment":
                found[doc["metadata"]["name"]] = doc["spec"]["template"]["spec"]
    return found


PODS = _deployments()
CONFIG = yaml.safe_load((DEPLOY / "configmap.yaml").read_text())["data"]
WEB = PODS["feynlab-web"]["containers"][0]


def _apt_installed() -> set[str]:
    """Debian packages the image's RUN instructions install with apt-get."""
    found: set[str] = set()
    for ins in IMAGE.all("RUN"):
        for command in re.split(r"&&|;|\|\|", ins.value):
            words = shlex.split(command)
            if words[:2] == ["apt-get", "install"]:
                found |= {w for w in words[2:] if not w.startswith("-")}
    return found


def test_the_image_is_python_slim_on_bookworm_and_node_only_builds_the_front_end() -> None:
    python = PYPROJECT["tool"]["mypy"]["python_version"]
    assert IMAGE.image == f"python:{python}-slim-bookworm"
    [node] = [s for s in STAGES if s.image.startswith("node:")]
    assert node.image.endswith("-bookworm-slim") and node is not IMAGE
    assert {ins.flags.get("from") for _, _, ins in IMAGE.copies()} <= {None, node.name}


def test_the_image_runs_as_the_pods_user() -> None:
    user, _, group = IMAGE.last("USER").value.partition(":")
    assert user.isdigit() and int(user) != 0  # numeric: runAsNonRoot can check it
    creates = " ".join(i.value for i in IMAGE.all("RUN"))
    assert f"useradd --system --uid {user} --gid {group}" in creates
    for name, pod in PODS.items():
        context = pod["securityContext"]
        assert context["runAsNonRoot"] is True, name
        assert (str(context["runAsUser"]), str(context["runAsGroup"])) == (user, group), name


def test_the_web_listens_where_its_service_and_probes_look() -> None:
    [exposed] = IMAGE.last("EXPOSE").value.split()
    [port] = WEB["ports"]
    assert int(exposed) == port["containerPort"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert WEB[probe]["httpGet"]["port"] in (port["name"], port["containerPort"])
    assert _parse_cli(IMAGE.last("CMD").exec_form)["port"] == port["containerPort"]
    assert _parse_cli(WEB["args"])["port"] == port["containerPort"]


def _parse_cli(args: list[str]) -> dict[str, Any]:
    """What `feynlab ARGS` would be called with; the CLI itself refuses unknown words."""
    group = typer.main.get_command(cli.app)
    name, *rest = args
    assert name in group.commands, f"`feynlab {name}` does not exist"
    command = group.commands[name]
    return dict(command.make_context(name, list(rest)).params)


@pytest.mark.parametrize("name", ["feynlab-web", "feynlab-worker"])
def test_every_pod_runs_a_feynlab_command_through_the_entrypoint(name: str) -> None:
    [container] = PODS[name]["containers"]
    assert "command" not in container  # the image's ENTRYPOINT runs, with the manifest's args
    assert container["image"] == f"ghcr.io/feynlab/feynlab:{VERSION}"
    entrypoint = IMAGE.last("ENTRYPOINT").exec_form
    assert entrypoint[-1] == "feynlab" and entrypoint[0] in _apt_installed() | {"feynlab"}
    _parse_cli(container["args"])
    assert container["args"][0] == {"feynlab-web": "serve", "feynlab-worker": "worker"}[name]
    for probe in ("startupProbe", "livenessProbe"):
        if "exec" in container[probe]:  # e.g. the worker's: `python -c ...`
            program = container[probe]["exec"]["command"][0]
            assert program == "python" and ENV["PATH"].startswith(f"{_venv()}/bin:")


def _venv() -> str:
    [venv] = re.findall(r"python -m venv (\S+)", " ".join(i.value for i in IMAGE.all("RUN")))
    return str(venv)


def test_the_configured_folders_are_in_the_image() -> None:
    for key in ("FEYNLAB_COURSES_DIR", "FEYNLAB_DATA_DIR", "FEYNLAB_VAR_DIR"):
        assert ENV[key] == CONFIG[key], key
    assert ENV["FEYNLAB_FRONTEND_DIR"] == CONFIG["FEYNLAB_FRONTEND_DIR"]
    copies = {dest.rstrip("/"): (sources, ins) for sources, dest, ins in IMAGE.copies()}
    user = IMAGE.last("USER").value
    # the shipped courses, owned by the app user (authors edit them in the browser)
    sources, ins = copies[CONFIG["FEYNLAB_COURSES_DIR"]]
    assert sources == ["courses/"] and ins.flags["chown"] == user
    assert list((ROOT / "courses").glob("*/course.yaml"))
    # the built front end, from where the front-end stage's Vite writes it
    sources, ins = copies[CONFIG["FEYNLAB_FRONTEND_DIR"]]
    frontend = STAGE[ins.flags["from"]]
    out_dir = re.search(r"outDir:\s*'([^']+)'", (ROOT / "frontend/vite.config.ts").read_text())
    assert out_dir
    workdir = frontend.last("WORKDIR").value
    assert [s.rstrip("/") for s in sources] == [f"{workdir}/{out_dir[1]}"]
    assert "npm run build" in [i.value for i in frontend.all("RUN")]
    # the datasets, provisioned at build time into the folder the ConfigMap names
    assert any("feynlab datasets fetch" in i.value for i in IMAGE.all("RUN"))
    # the var folder: the user's home, and a writable volume in every pod
    assert f"--home-dir {CONFIG['FEYNLAB_VAR_DIR']}" in " ".join(i.value for i in IMAGE.all("RUN"))
    for name, pod in PODS.items():
        [container] = pod["containers"]
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        assert not mounts[CONFIG["FEYNLAB_VAR_DIR"]].get("readOnly"), name
        assert CONFIG["FEYNLAB_DATA_DIR"] not in mounts, f"{name}: a volume hides the datasets"


def test_the_front_end_build_finds_what_it_type_checks() -> None:
    """`npm run build` runs tsc on projects outside frontend/: the stage must copy them."""
    frontend = STAGE["frontend"]
    script = json.loads((ROOT / "frontend/package.json").read_text())["scripts"]["build"]
    workdir = PurePosixPath(frontend.last("WORKDIR").value)
    copied = [PurePosixPath(dest) for _, dest, _ in frontend.copies()]
    for project in re.findall(r"-p (\S+)", script):
        target = PurePosixPath(*_normalize(workdir / project))
        assert any(target.is_relative_to(dest) for dest in copied), project


def _normalize(path: PurePosixPath) -> list[str]:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return parts


def test_the_sandbox_and_the_datasets_come_from_debian() -> None:
    makefile = (ROOT / "Makefile").read_text()
    wanted = set(re.findall(r'missing="\$\$missing ([\w-]+)"', makefile)) - {"chromium"}
    assert {"bubblewrap", "dataset-fashion-mnist"} <= wanted  # the Makefile's `system` target
    assert wanted <= _apt_installed()


def test_versions_agree_with_pyproject_the_manifests_and_the_makefile() -> None:
    [torch] = [d for d in PYPROJECT["project"]["dependencies"] if d.startswith("torch==")]
    assert IMAGE.build_args()["TORCH_VERSION"] == torch.removeprefix("torch==")
    labels = dict(w.partition("=")[::2] for i in IMAGE.all("LABEL") for w in shlex.split(i.value))
    assert labels["org.opencontainers.image.version"] == VERSION
    tag = re.search(r"^IMAGE \?= (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert tag and tag[1] == f"ghcr.io/feynlab/feynlab:{VERSION}"
    installs = [i.value for i in IMAGE.all("RUN") if "pip install" in i.value]
    assert not any("[dev]" in i or " -e " in i for i in installs)  # a regular, lean install


def _dockerignore() -> list[tuple[bool, re.Pattern[str]]]:
    patterns = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        patterns.append((negate, re.compile(_glob(line.lstrip("!").strip("/")))))
    return patterns


def _glob(pattern: str) -> str:
    """Docker's .dockerignore glob as a regular expression (`**` spans folders)."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return out + r"\Z"


def _ignored(path: str) -> bool:
    """Whether Docker leaves ``path`` out of the build context (a folder takes its contents)."""
    prefixes = ["/".join(path.split("/")[: n + 1]) for n in range(path.count("/") + 1)]
    ignored = False
    for negate, pattern in _dockerignore():
        if any(pattern.match(p) for p in prefixes):
            ignored = not negate
    return ignored


@pytest.mark.parametrize(
    "path",
    [
        ".git/HEAD",
        ".venv/bin/python",
        "frontend/node_modules/vue/package.json",
        "frontend/dist/index.html",
        "var/feynlab.db",
        "var/data/hidden/mnist/y_test.npy",
        "build/lib/feynlab/cli.py",
        "src/feynlab.egg-info/PKG-INFO",
        "src/feynlab/__pycache__/cli.cpython-311.pyc",
        ".pytest_cache/v/cache/lastfailed",
        "test-results/learner/trace.zip",
        "frontend/test-results/report.json",
        "frontend/test-results-mock-server.log",
        ".env",
    ],
)
def test_local_state_and_test_artifacts_stay_out_of_the_build(path: str) -> None:
    assert _ignored(path)


def test_everything_the_dockerfile_copies_is_in_the_build_context() -> None:
    sources = [
        source
        for stage in STAGES
        for found, _, ins in stage.copies()
        if "from" not in ins.flags
        for source in found
    ]
    assert sources and all((ROOT / s).exists() and not _ignored(s.rstrip("/")) for s in sources)
    try:
        listed = subprocess.run(["git", "ls-files", "--", *sources], cwd=ROOT, capture_output=True)
        listed.check_returncode()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: cannot list the tracked files the build copies")
    tracked = listed.stdout.decode().split()
    # a log is test output, even frontend/test-results-mock-server.log, committed by mistake
    left_out = [p for p in tracked if _ignored(p) and not p.endswith(".log")]
    assert tracked and not left_out
