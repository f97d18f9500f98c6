"""The Kubernetes node against a FAKE API server (tests/support/fake_kube_api.py): Pods that
never run, images that cannot be pulled, an API server that goes away, dead hubs' Pods."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.config import ConfigError
from hub.nodes.base import SessionStartError
from hub.nodes.kubernetes import Cluster, KubernetesNode, connect
from hub.nodes.kubernetes_pods import PodSettings
from hub.w3c.capabilities import SessionOptions
from tests.support.fake_kube_api import FakeKubeApi

HUB = "a" * 32
CHROME = {"browserName": "chrome", "platformName": "linux"}


@pytest.fixture
async def api() -> AsyncIterator[FakeKubeApi]:
    fake = FakeKubeApi()
    await fake.start()
    yield fake
    await fake.close()


def make_node(api: FakeKubeApi, hub_id: str = HUB, pending: float = 1.5) -> KubernetesNode:
    cluster = Cluster(api_url=api.url, pods=PodSettings(namespace="grid"),
                      images={"chrome": "tggrid/chrome:test"}, pending_timeout=pending,
                      start_timeout=5)
    return KubernetesNode(hub_id=hub_id, cluster=cluster, max_pods=3)


@pytest.fixture
async def node(api: FakeKubeApi) -> AsyncIterator[KubernetesNode]:
    node = make_node(api)
    await node.start()
    yield node
    await node.close()


async def start(node: KubernetesNode) -> None:
    await node.start_session({"browserName": "chrome"}, CHROME,
                             SessionOptions.from_capabilities({}))


async def wait_for(predicate, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + seconds
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_a_pod_pending_forever_fails_the_start_with_its_events_and_is_deleted(
        api: FakeKubeApi, node: KubernetesNode) -> None:
    api.behaviour = "pending"

    with pytest.raises(SessionStartError) as failed:
        await start(node)

    assert failed.value.retryable
    assert "stayed Pending for 1.5 s" in failed.value.message
    assert "FailedScheduling: 0/3 nodes are available: 3 Insufficient cpu" in failed.value.message
    await wait_for(lambda: not api.pods)  # nothing left behind
    created = api.created[0]
    assert created["metadata"]["labels"]["tggrid.hub"] == HUB
    assert created["metadata"]["namespace"] == "grid"


async def test_an_image_that_cannot_be_pulled_names_the_pull_error(
        api: FakeKubeApi, node: KubernetesNode) -> None:
    api.behaviour = "image-pull"

    with pytest.raises(SessionStartError) as failed:
        await start(node)

    message = failed.value.message
    assert 'Failed: Failed to pull image "tggrid/chrome:test"' in message
    assert "BackOff: Back-off pulling image" in message
    await wait_for(lambda: not api.pods)


async def test_with_the_api_server_gone_starts_fail_clearly_and_health_says_why(
        api: FakeKubeApi, node: KubernetesNode) -> None:
    await api.stop()

    with pytest.raises(SessionStartError) as failed:
        await start(node)
    health = await node.health()

    assert failed.value.retryable
    assert f"Kubernetes API {api.url} does not answer" in failed.value.message
    assert not health.healthy and api.url in health.message
    await api.start()  # back on the same port: the node finds it again
    assert (await node.health()).healthy


async def test_a_pod_whose_deletion_failed_is_deleted_when_the_api_returns(
        api: FakeKubeApi, node: KubernetesNode) -> None:
    api.behaviour = "pending"
    attempt = asyncio.create_task(start(node))
    await wait_for(lambda: bool(api.pods))
    await api.stop()  # the start gives up while the API is away: its Pod stays for now

    with pytest.raises(SessionStartError):
        await attempt
    assert len(api.pods) == 1
    await api.start()

    await wait_for(lambda: not api.pods, seconds=15)


async def test_pods_of_dead_hubs_are_reaped_and_live_ones_kept(api: FakeKubeApi) -> None:
    api.behaviour = "pending"
    hubs = {name: make_node(api, hub_id=name * 32, pending=30) for name in "bcd"}
    for node in hubs.values():
        await node.start()
    starts = [asyncio.create_task(start(node)) for node in hubs.values()]
    await wait_for(lambda: len(api.pods) == 3)

    removed = await hubs["d"].reap_dead_hubs(frozenset({"b" * 32, "d" * 32}))

    assert removed == 1  # b's Pod; never its own
    await wait_for(lambda: len(api.pods) == 2)
    owners = {pod["metadata"]["labels"]["tggrid.hub"] for pod in api.pods.values()}
    assert owners == {"c" * 32, "d" * 32}
    with pytest.raises(SessionStartError, match="deleted before it ran"):
        await starts[0]
    for task in starts[1:]:
        task.cancel()
    await asyncio.gather(*starts[1:], return_exceptions=True)
    for node in hubs.values():
        await node.close()
    await wait_for(lambda: not api.pods)  # a cancelled start deletes its Pod


async def test_the_watch_recovers_from_a_compacted_resource_version(
        api: FakeKubeApi, node: KubernetesNode) -> None:
    api.behaviour = "pending"
    await wait_for(lambda: True)
    api.compact()
    await api.stop()  # the open watch breaks; it resumes from a version now compacted
    await api.start()
    node.cluster.pending_timeout = 0.5

    with pytest.raises(SessionStartError, match="stayed Pending"):
        await start(node)  # still sees its Pod's state through a fresh list and watch


def test_no_cluster_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))

    with pytest.raises(ConfigError, match="set kubernetes_api_url or KUBECONFIG"):
        connect("", "")
