"""The browser Pod built from the settings validates against a current Kubernetes schema."""

from __future__ import annotations

import kubernetes_validate
import pytest

from hub.config import ConfigError, load_settings
from hub.nodes.kubernetes_pods import parse_toleration, session_pod
from hub.nodes.kubernetes_setup import pod_settings
from hub.w3c.capabilities import SessionOptions

EVERYTHING = {
    "TGGRID_PROVIDER": "kubernetes", "TGGRID_KUBERNETES_NAMESPACE": "grid",
    "TGGRID_KUBERNETES_NODE_SELECTOR": "tggrid.io/browsers=true,kubernetes.io/arch=amd64",
    "TGGRID_KUBERNETES_TOLERATIONS": "browsers=only:NoSchedule,spot:NoExecute,gpu=no",
    "TGGRID_KUBERNETES_SERVICE_ACCOUNT": "browser",
    "TGGRID_KUBERNETES_IMAGE_PULL_SECRETS": "registry-a,registry-b",
    "TGGRID_KUBERNETES_IMAGE_PULL_POLICY": "Always",
    "TGGRID_KUBERNETES_MEMORY_LIMIT": "", "TGGRID_KUBERNETES_SHM_SIZE": "1Gi",
}


def pod(env: dict[str, str], caps: dict | None = None) -> dict:  # type: ignore[type-arg]
    options = SessionOptions.from_capabilities(caps or {})
    return session_pod(pod_settings(load_settings(env=env)), hub_id="f" * 32, tag="0" * 32,
                       browser="chrome", image="tggrid/chrome:1", options=options)


@pytest.mark.parametrize("env", [{"TGGRID_PROVIDER": "kubernetes"}, EVERYTHING])
def test_the_pod_validates_strictly(env: dict[str, str]) -> None:
    kubernetes_validate.validate(pod(env), kubernetes_validate.latest_version(), strict=True)


def test_the_settings_reach_the_pod() -> None:
    manifest = pod(EVERYTHING, {"tggrid:options": {
        "enableVNC": True, "enableVideo": True, "screenResolution": "1280x720",
        "labels": {"team": "web", "bad label": "x", "tggrid.hub": "spoofed"}}})
    spec, container = manifest["spec"], manifest["spec"]["containers"][0]

    assert manifest["metadata"]["namespace"] == "grid"
    assert manifest["metadata"]["labels"]["tggrid.hub"] == "f" * 32  # not the client's
    assert manifest["metadata"]["labels"]["team"] == "web"
    assert "bad label" not in manifest["metadata"]["labels"]
    assert spec["nodeSelector"] == {"tggrid.io/browsers": "true", "kubernetes.io/arch": "amd64"}
    assert spec["tolerations"] == [
        {"key": "browsers", "operator": "Equal", "value": "only", "effect": "NoSchedule"},
        {"key": "spot", "operator": "Exists", "effect": "NoExecute"},
        {"key": "gpu", "operator": "Equal", "value": "no"}]
    assert spec["serviceAccountName"] == "browser"
    assert spec["automountServiceAccountToken"] is False
    assert spec["imagePullSecrets"] == [{"name": "registry-a"}, {"name": "registry-b"}]
    assert spec["restartPolicy"] == "Never"
    assert container["imagePullPolicy"] == "Always"
    assert container["resources"]["limits"] == {"cpu": "1"}  # an empty memory limit: none
    assert {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}} in spec[
        "volumes"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["ENABLE_VNC"] == "1" and env["SCREEN_WIDTH"] == "1280"
    # the entrypoint serves the video where the hub fetches it (no volume is shared)
    assert env["ENABLE_RECORDING"] == "1" and env["RECORDING_PORT"] == "9230"
    assert {"name": "recording", "containerPort": 9230, "protocol": "TCP"} in container["ports"]
    assert "RECORDING_PORT" not in {e["name"] for e in pod(EVERYTHING)["spec"]["containers"][0][
        "env"]}


@pytest.mark.parametrize("entry", ["=x:NoSchedule", "key=value:Sometimes", "bad key:NoSchedule"])
def test_a_toleration_kubectl_would_not_write_is_refused(entry: str) -> None:
    with pytest.raises(ConfigError, match="kubernetes_tolerations"):
        parse_toleration(entry)


def test_bad_selector_or_pull_policy_name_the_setting() -> None:
    with pytest.raises(ConfigError, match="kubernetes_node_selector"):
        pod({"TGGRID_KUBERNETES_NODE_SELECTOR": "no-equals-sign"})
    with pytest.raises(ConfigError, match="kubernetes_image_pull_policy"):
        pod({"TGGRID_KUBERNETES_IMAGE_PULL_POLICY": "Sometimes"})
