"""The Kubernetes node from the hub's settings (``kubernetes_*``; images from docker_images)."""

from __future__ import annotations

from hub.config import ConfigError, Settings
from hub.nodes.docker_setup import browser_images
from hub.nodes.kubernetes import Cluster, KubernetesNode
from hub.nodes.kubernetes_pods import (
    PULL_POLICIES,
    PodSettings,
    parse_node_selector,
    parse_toleration,
)
from hub.screens import RecordingSink


def pod_settings(settings: Settings) -> PodSettings:
    if settings.kubernetes_image_pull_policy not in PULL_POLICIES:
        raise ConfigError(f"setting 'kubernetes_image_pull_policy': "
                          f"{settings.kubernetes_image_pull_policy!r} is not one of "
                          f"{', '.join(PULL_POLICIES)}")
    return PodSettings(
        namespace=settings.kubernetes_namespace,
        cpu_request=settings.kubernetes_cpu_request, cpu_limit=settings.kubernetes_cpu_limit,
        memory_request=settings.kubernetes_memory_request,
        memory_limit=settings.kubernetes_memory_limit, shm_size=settings.kubernetes_shm_size,
        node_selector=parse_node_selector(settings.kubernetes_node_selector),
        tolerations=[parse_toleration(entry) for entry in settings.kubernetes_tolerations],
        service_account=settings.kubernetes_service_account,
        image_pull_secrets=list(settings.kubernetes_image_pull_secrets),
        image_pull_policy=settings.kubernetes_image_pull_policy,
    )


def kubernetes_node(settings: Settings, hub_id: str,
                    media: RecordingSink | None = None) -> KubernetesNode:
    if settings.kubernetes_max_pods < 1:
        raise ConfigError("setting 'kubernetes_max_pods' must be at least 1")
    if settings.kubernetes_pending_timeout <= 0:
        raise ConfigError("setting 'kubernetes_pending_timeout' must be positive")
    cluster = Cluster(api_url=settings.kubernetes_api_url, pods=pod_settings(settings),
                      images=browser_images(settings),
                      pending_timeout=settings.kubernetes_pending_timeout,
                      start_timeout=settings.session_start_timeout)
    return KubernetesNode(hub_id=hub_id, cluster=cluster,
                          max_pods=settings.kubernetes_max_pods, media=media)
