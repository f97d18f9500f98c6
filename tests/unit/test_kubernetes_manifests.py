"""deploy/kubernetes rendered with kustomize and every object validated offline against a current
Kubernetes release's schema (kubernetes-validate). The trees are rendered by the kustomize
subset in tests/support/kustomize_subset.py, so CI needs no kubectl; where kubectl is
installed its built-in kustomize must render the same objects."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from hub.config import ENV_PREFIX, load_settings
from hub.nodes.kubernetes_pods import MANAGED_BY
from hub.nodes.kubernetes_setup import pod_settings
from tests.support import kustomize_subset

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "kubernetes"
TREES = ["base", "overlays/dev", "overlays/production", "keda-nodes"]
KEDA_KINDS = {"ScaledObject", "TriggerAuthentication"}  # CRDs: no schema ships for them


def render(tree: str) -> list[dict[str, Any]]:
    return kustomize_subset.render(DEPLOY / tree)


def _comparable(objects: list[dict[str, Any]]) -> list[str]:
    """Objects in a stable order, Secrets' data decoded (kustomize folds long base64)."""
    for obj in objects:
        for key, value in (obj.get("data") or {}).items() if obj["kind"] == "Secret" else ():
            obj["data"][key] = base64.b64decode(value).decode()
    return sorted(json.dumps(obj, sort_keys=True) for obj in objects)


@pytest.mark.skipif(shutil.which("kubectl") is None,
                    reason="kubectl is not installed: the subset alone renders the trees")
@pytest.mark.parametrize("tree", TREES)
def test_the_kustomize_subset_renders_what_kubectl_kustomize_renders(tree: str) -> None:
    out = subprocess.run(["kubectl", "kustomize", str(DEPLOY / tree)], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    kubectl = [doc for doc in yaml.safe_load_all(out) if doc]

    assert _comparable(render(tree)) == _comparable(kubectl)


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


@pytest.mark.parametrize("tree", TREES)
def test_every_object_validates_against_the_kubernetes_schema(tree: str) -> None:
    objects = render(tree)

    for obj in objects:
        if obj["kind"] in KEDA_KINDS:
            continue
        kubernetes_validate.validate(obj, kubernetes_validate.latest_version(), strict=True)
    assert objects


def test_the_base_runs_two_hubs_with_the_rbac_the_provider_needs_and_no_more() -> None:
    objects = render("base")

    deployment, = by_kind(objects, "Deployment")
    assert deployment["spec"]["replicas"] >= 2
    role, = by_kind(objects, "Role")
    granted = {(resource, verb) for rule in role["rules"] for resource in rule["resources"]
               for verb in rule["verbs"]}
    assert {r for r, _ in granted} == {"pods", "pods/log", "events"}
    assert ("pods", "create") in granted and ("pods", "watch") in granted
    assert ("pods", "delete") in granted and ("pods/log", "get") in granted
    assert not {v for _, v in granted} & {"*", "update", "patch", "deletecollection"}
    binding, = by_kind(objects, "RoleBinding")
    account, = by_kind(objects, "ServiceAccount")
    spec = deployment["spec"]["template"]["spec"]
    assert binding["subjects"][0]["name"] == account["metadata"]["name"]
    assert spec["serviceAccountName"] == account["metadata"]["name"]
    hpa, = by_kind(objects, "HorizontalPodAutoscaler")
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert hpa["spec"]["minReplicas"] >= 2
    pdb, = by_kind(objects, "PodDisruptionBudget")
    labels = spec and deployment["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    ingress, = by_kind(objects, "Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    policy, = by_kind(objects, "NetworkPolicy")  # browser Pods answer the hubs only
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= MANAGED_BY.items()
    assert policy["spec"]["ingress"] == [{"from": [{"podSelector": {"matchLabels": {
        "app.kubernetes.io/component": "hub"}}}]}]
    assert policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"].items() <= \
        labels.items()


@pytest.mark.parametrize("tree", ["base", "overlays/dev", "overlays/production"])
def test_the_hub_settings_in_the_config_map_load_as_they_are(tree: str) -> None:
    objects = render(tree)
    env = {k: str(v) for cm in by_kind(objects, "ConfigMap") for k, v in cm["data"].items()}
    env.update({"TGGRID_KUBERNETES_NAMESPACE": "tggrid"})

    assert all(key.startswith(ENV_PREFIX) for key in env)
    settings = load_settings(env=env)  # an unknown name or a bad value raises

    assert settings.provider == "kubernetes"
    assert pod_settings(settings).namespace == "tggrid"
    unknown = {k for k in env if not hasattr(settings, k.removeprefix(ENV_PREFIX).lower())}
    assert not unknown, f"not settings of the hub: {unknown}"


def test_production_takes_its_database_from_outside_and_dev_brings_its_own() -> None:
    production, dev = render("overlays/production"), render("overlays/dev")

    assert not by_kind(production, "Secret")  # made outside the repository
    assert by_kind(production, "Ingress")[0]["spec"]["tls"]
    assert by_kind(dev, "StatefulSet")[0]["metadata"]["name"] == "tggrid-postgres"
    dev_secret = next(s for s in by_kind(dev, "Secret") if s["metadata"]["name"] == "tggrid-hub")
    assert "TGGRID_DATABASE_URL" in dev_secret["data"]
    assert {o["metadata"].get("namespace") for o in dev if o["kind"] != "Namespace"} == {
        "tggrid-dev"}


def test_keda_scales_the_node_deployment_from_the_hub_s_graphql() -> None:
    objects = render("keda-nodes")

    scaled, = by_kind(objects, "ScaledObject")
    deployment, = by_kind(objects, "Deployment")
    trigger, = scaled["spec"]["triggers"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert trigger["type"] == "selenium-grid"
    assert trigger["metadata"]["url"].endswith(":4444/graphql")
    assert trigger["metadata"]["browserName"] == "chrome"
    auth, = by_kind(objects, "TriggerAuthentication")
    assert trigger["authenticationRef"]["name"] == auth["metadata"]["name"]
