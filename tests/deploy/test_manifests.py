"""The Kubernetes manifests in deploy/, parsed into the official client's models."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

kubernetes = pytest.importorskip("kubernetes", reason="the kubernetes client is a dev dependency")
from kubernetes import client as k8s  # noqa: E402

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
MODELS = {
    ("apps/v1", "Deployment"): "V1Deployment",
    ("v1", "Service"): "V1Service",
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Secret"): "V1Secret",
    ("autoscaling/v2", "HorizontalPodAutoscaler"): "V2HorizontalPodAutoscaler",
    ("networking.k8s.io/v1", "NetworkPolicy"): "V1NetworkPolicy",
}


@dataclass
class _Response:
    data: str


def _objects() -> dict[tuple[str, str], Any]:
    api = k8s.ApiClient()
    found: dict[tuple[str, str], Any] = {}
    listed = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())["resources"]
    for name in listed:
        for doc in yaml.safe_load_all((DEPLOY / name).read_text()):
            model = MODELS[(doc["apiVersion"], doc["kind"])]
            found[(doc["kind"], doc["metadata"]["name"])] = api.deserialize(
                _Response(json.dumps(doc)), model
            )
    return found


OBJECTS = _objects()


def _container(name: str) -> Any:
    deployment = OBJECTS[("Deployment", name)]
    [container] = deployment.spec.template.spec.containers
    return deployment, container


def test_every_file_parses_and_nothing_is_left_out() -> None:
    on_disk = {p.name for p in DEPLOY.glob("*.yaml")} - {"kustomization.yaml"}
    assert on_disk == set(yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())["resources"])
    assert set(OBJECTS) >= {
        ("Deployment", "feynlab-web"),
        ("Service", "feynlab-web"),
        ("Deployment", "feynlab-worker"),
        ("HorizontalPodAutoscaler", "feynlab-worker"),
        ("NetworkPolicy", "feynlab-worker"),
        ("ConfigMap", "feynlab-config"),
        ("Secret", "feynlab-secrets"),
    }


@pytest.mark.parametrize("name", ["feynlab-web", "feynlab-worker"])
def test_pods_have_an_image_probes_limits_and_their_configuration(name: str) -> None:
    deployment, container = _container(name)
    assert container.image and ":" in container.image and not container.image.endswith(":latest")
    assert container.liveness_probe and container.startup_probe
    assert container.resources.limits["cpu"] and container.resources.limits["memory"]
    sources = {(s.config_map_ref or s.secret_ref).name for s in container.env_from}
    assert sources == {"feynlab-config", "feynlab-secrets"}
    assert deployment.spec.template.spec.automount_service_account_token is False
    assert (
        deployment.spec.selector.match_labels.items()
        <= deployment.spec.template.metadata.labels.items()
    )


def test_the_web_is_served_and_probed_on_its_health_route() -> None:
    _, container = _container("feynlab-web")
    assert container.readiness_probe.http_get.path == "/api/health"
    service = OBJECTS[("Service", "feynlab-web")]
    assert service.spec.selector == {"app.kubernetes.io/name": "feynlab-web"}
    assert container.security_context.capabilities.drop == ["ALL"]


def test_the_worker_gets_what_the_sandbox_needs_and_nothing_more() -> None:
    deployment, container = _container("feynlab-worker")
    pod = deployment.spec.template.spec
    ctx = container.security_context
    assert pod.host_users is False  # its own user namespace: root inside is nobody outside
    assert pod.security_context.run_as_non_root is True
    assert ctx.privileged is False and ctx.allow_privilege_escalation is False
    assert ctx.capabilities.drop == ["ALL"] and not ctx.capabilities.add
    assert ctx.read_only_root_filesystem is True
    assert ctx.proc_mount == "Unmasked"
    assert ctx.seccomp_profile.type in ("Unconfined", "Localhost")
    assert not pod.host_network and not pod.host_pid and not pod.host_ipc
    assert container.args[0] == "worker"
    config = OBJECTS[("ConfigMap", "feynlab-config")].data
    mounts = {m.mount_path: m for m in container.volume_mounts}
    assert mounts[config["FEYNLAB_COURSES_DIR"]].read_only
    # The datasets are in the image, read-only with its root filesystem; a volume would hide them.
    assert config["FEYNLAB_DATA_DIR"] not in mounts
    assert pod.termination_grace_period_seconds >= 600


def test_workers_reach_only_redis_the_database_and_dns() -> None:
    policy = OBJECTS[("NetworkPolicy", "feynlab-worker")].spec
    assert policy.pod_selector.match_labels == {"app.kubernetes.io/name": "feynlab-worker"}
    assert set(policy.policy_types) == {"Ingress", "Egress"} and not policy.ingress
    ports = sorted(p.port for rule in policy.egress for p in rule.ports)
    assert ports == [53, 53, 5432, 6379]
    for rule in policy.egress:
        assert all(peer.ip_block is None for peer in rule.to)  # no CIDR: no outside world


def test_the_autoscaler_scales_the_workers() -> None:
    hpa = OBJECTS[("HorizontalPodAutoscaler", "feynlab-worker")].spec
    assert (
        hpa.scale_target_ref.name == "feynlab-worker" and hpa.scale_target_ref.kind == "Deployment"
    )
    assert 1 <= hpa.min_replicas < hpa.max_replicas
    assert hpa.metrics[0].resource.name == "cpu"


def test_configuration_uses_the_celery_queue_and_no_real_secret() -> None:
    config = OBJECTS[("ConfigMap", "feynlab-config")].data
    assert config["FEYNLAB_QUEUE"] == "celery" and config["FEYNLAB_ENV"] == "production"
    assert int(config["FEYNLAB_VISIBILITY_TIMEOUT_S"]) > 3600
    secret = OBJECTS[("Secret", "feynlab-secrets")].string_data
    assert set(secret) == {"FEYNLAB_SECRET_KEY", "FEYNLAB_DATABASE_URL", "FEYNLAB_BROKER_URL"}
    assert secret["FEYNLAB_SECRET_KEY"] == "change-me"  # a placeholder production refuses


def test_every_configured_variable_is_a_setting() -> None:
    """Settings ignore unknown FEYNLAB_* variables: a misspelt one would silently do nothing."""
    from feynlab.settings import Settings

    known = {f"FEYNLAB_{name.upper()}" for name in Settings.model_fields}
    config = OBJECTS[("ConfigMap", "feynlab-config")].data
    secret = OBJECTS[("Secret", "feynlab-secrets")].string_data
    assert {k for k in [*config, *secret] if k.startswith("FEYNLAB_")} <= known
