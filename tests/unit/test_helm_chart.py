"""deploy/helm/tggrid rendered by Helm's own engine (helm-python-sdk: Helm 4's Go SDK in a
wheel, as `helm template` renders; no helm binary can be installed here) and every object
validated offline against a current Kubernetes release's schema (kubernetes-validate). The
chart carries the same objects as the Kustomize tree; the parts that must agree are compared
with deploy/kubernetes's files as they are written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from hub.config import ENV_PREFIX, load_settings

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "tggrid"
KUSTOMIZE = ROOT / "deploy" / "kubernetes"
KEDA_KINDS = {"ScaledObject", "TriggerAuthentication"}  # CRDs: no schema ships for them
SECRET = {"secret": {"databaseUrl": "postgresql://tggrid:pw@db:5432/tggrid", "secretKey": "k"}}
PRODUCTION = {"existingSecret": "tggrid-hub", "ingress": {"tlsSecret": "tggrid-tls"},
              "imagePullSecrets": [{"name": "registry-credentials"}],
              "autoscaling": {"minReplicas": 3, "maxReplicas": 10}, "pdb": {"minAvailable": 2},
              "kedaNodes": {"enabled": True, "browser": "firefox"}}
KEDA_ONLY = {**SECRET, "podPerSession": False, "kedaNodes": {"enabled": True}}


def render(values: dict[str, Any]) -> list[dict[str, Any]]:
    with helm.Chart.load(str(CHART)) as chart:
        files = chart.render(values, name="grid", namespace="browsers")
    return [doc for text in files.values() for doc in yaml.safe_load_all(text) if doc]


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def written(path: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((KUSTOMIZE / path).read_text()) if d]


@pytest.mark.parametrize("values", [SECRET, PRODUCTION, KEDA_ONLY],
                         ids=["defaults", "production", "keda-only"])
def test_every_object_validates_and_the_settings_load(values: dict[str, Any]) -> None:
    objects = render(values)

    for obj in objects:
        if obj["kind"] not in KEDA_KINDS:
            kubernetes_validate.validate(obj, kubernetes_validate.latest_version(), strict=True)
    config, = by_kind(objects, "ConfigMap")
    env = {**config["data"], "TGGRID_KUBERNETES_NAMESPACE": "browsers"}
    settings = load_settings(env=env)  # an unknown name or a bad value raises
    assert all(key.startswith(ENV_PREFIX) for key in env)
    assert settings.provider == ("local" if values is KEDA_ONLY else "kubernetes")


def test_the_chart_lints_clean_and_refuses_to_render_without_a_database() -> None:
    assert helm.lint(str(CHART))["errors"] == []
    with pytest.raises(helm.HelmError, match="databaseUrl"):
        render({})


def test_the_hubs_get_the_kustomize_tree_s_rbac_scaling_and_probes() -> None:
    objects = render(SECRET)

    role, = by_kind(objects, "Role")
    assert role["rules"] == written("base/rbac.yaml")[0]["rules"]
    binding, = by_kind(objects, "RoleBinding")
    deployment, = by_kind(objects, "Deployment")
    spec = deployment["spec"]["template"]["spec"]
    assert binding["subjects"][0]["name"] == spec["serviceAccountName"]
    hub, = spec["containers"]
    base, = written("base/deployment.yaml")[0]["spec"]["template"]["spec"]["containers"]
    for key in ("readinessProbe", "livenessProbe", "securityContext", "volumeMounts", "args"):
        assert hub[key] == base[key], key
    assert "replicas" not in deployment["spec"]  # the HPA owns it
    hpa, = by_kind(objects, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert hpa["spec"]["metrics"] == written("base/hpa.yaml")[0]["spec"]["metrics"]
    pdb, = by_kind(objects, "PodDisruptionBudget")
    service, = by_kind(objects, "Service")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    ingress, = by_kind(objects, "Ingress")
    assert ingress["metadata"]["annotations"] == written("base/ingress.yaml")[0]["metadata"][
        "annotations"]
    policy, = by_kind(objects, "NetworkPolicy")
    assert policy["spec"]["podSelector"] == written("base/networkpolicy.yaml")[0]["spec"][
        "podSelector"]
    assert policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"].items() <= \
        labels.items()


def test_production_values_and_the_keda_nodes() -> None:
    objects = render(PRODUCTION)

    assert not by_kind(objects, "Secret")  # made outside the chart
    hub = next(d for d in by_kind(objects, "Deployment") if d["metadata"]["name"] == "grid-hub")
    assert hub["spec"]["template"]["spec"]["imagePullSecrets"] == [
        {"name": "registry-credentials"}]
    assert hub["spec"]["template"]["spec"]["containers"][0]["envFrom"][1] == {
        "secretRef": {"name": "tggrid-hub"}}
    assert by_kind(objects, "Ingress")[0]["spec"]["tls"][0]["secretName"] == "tggrid-tls"
    assert by_kind(objects, "PodDisruptionBudget")[0]["spec"]["minAvailable"] == 2

    scaled, = by_kind(objects, "ScaledObject")
    nodes = next(d for d in by_kind(objects, "Deployment") if d["metadata"]["name"] != "grid-hub")
    trigger, = scaled["spec"]["triggers"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == nodes["metadata"]["name"]
    assert (trigger["type"], trigger["metadata"]["url"]) == (
        "selenium-grid", "http://grid-hub:4444/graphql")
    assert trigger["metadata"]["browserName"] == "firefox"
    node, = nodes["spec"]["template"]["spec"]["containers"]
    assert node["image"] == "tggrid/standalone:latest"
    kept, = written("keda-nodes/node-deployment.yaml")[0]["spec"]["template"]["spec"][
        "containers"]
    assert node["lifecycle"] == kept["lifecycle"]  # the same registration hooks
    policy = next(p for p in by_kind(objects, "NetworkPolicy")
                  if p["metadata"]["name"] == nodes["metadata"]["name"])
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= nodes["spec"]["template"][
        "metadata"]["labels"].items()


def test_keda_only_makes_no_role_and_mounts_no_token() -> None:
    objects = render(KEDA_ONLY)

    assert not by_kind(objects, "Role") and not by_kind(objects, "RoleBinding")
    assert [p["metadata"]["name"] for p in by_kind(objects, "NetworkPolicy")] == [
        "grid-node-chrome"]  # no browser Pods of the hubs' own
    account, = by_kind(objects, "ServiceAccount")
    assert account["automountServiceAccountToken"] is False
