"""The Kubernetes node: one browser Pod per session, in one namespace of the cluster.

The hub runs in the cluster and reaches the Pod's driver (4444), VNC (5900) and DevTools/BiDi
(9229) on the Pod's address. One watch on this hub's Pods (label ``tggrid.hub``) keeps their
state: a start waits on it for the Pod to run (or fails with the Pod's events once it stayed
Pending past ``pending_timeout``), and a Pod deleted or failed under a live session ends the
session. A recorded session's video is fetched from the Pod
(:mod:`hub.nodes.kubernetes_video`) before the Pod is deleted. After the watch breaks (the API
server went away) the node lists again, so what happened meanwhile is not missed, and
deletions that failed are tried again. The client is lightkube's asyncio one (see
docs/kubernetes.md for why).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
import uuid
from typing import Any, cast

import aiohttp
import httpx2
from lightkube import ApiError, AsyncClient, KubeConfig
from lightkube import ConfigError as KubeConfigError
from lightkube.config import models as kube_models
from lightkube.resources.core_v1 import Event, Pod

from hub.background import cancel_and_wait
from hub.config import ConfigError
from hub.nodes import browser_image, driver_http
from hub.nodes.base import NodeHealth, NodeSession, SessionStartError
from hub.nodes.docker_engines import HUB_LABEL
from hub.nodes.docker_video import ContainerRecording
from hub.nodes.kubernetes_pods import STOP_GRACE, PodSettings, pod_name, session_pod
from hub.nodes.kubernetes_video import RECORDING_PORT, fetch, video_url
from hub.screens import RecordingSink
from hub.w3c.capabilities import Capabilities, SessionOptions

log = logging.getLogger(__name__)

API_ERRORS = (ApiError, httpx2.HTTPError, OSError, TimeoutError)
WATCH_SECONDS = 60  # the server ends each watch after this; a silent one is given up after +15
RETRY_SECONDS = 2.0
# Waiting reasons no retry fixes: the start fails at once with them.
FATAL_WAITING = {"InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError"}
PORTS = browser_image.IMAGE_PORTS


def connect(api_url: str, namespace: str) -> tuple[AsyncClient, str]:
    """A client for the API server and the namespace to use (the service account's when
    none is set); makes no request."""
    try:
        config = (KubeConfig.from_one(cluster=kube_models.Cluster(server=api_url),
                                       user=kube_models.User())
                  if api_url else KubeConfig.from_env())
    except (KubeConfigError, KeyError, OSError) as error:
        raise ConfigError(f"provider kubernetes found no cluster: not in a Pod with a service "
                          f"account, and {error} (set kubernetes_api_url or KUBECONFIG)"
                          ) from None
    current = config.get()
    chosen = namespace or (current.namespace if current else None) or "default"
    return AsyncClient(config=config, namespace=chosen, field_manager="tggrid"), chosen


def _waiting(pod: Pod) -> tuple[str, str]:
    for status in (pod.status and pod.status.containerStatuses) or []:
        if status.state and status.state.waiting and status.state.waiting.reason:
            return status.state.waiting.reason, status.state.waiting.message or ""
    return "", ""


def _terminated(pod: Pod) -> str:
    for status in (pod.status and pod.status.containerStatuses) or []:
        if status.state and status.state.terminated:
            end = status.state.terminated
            return f"{end.reason or 'exited'} (exit code {end.exitCode})"
    return ""


@dataclasses.dataclass
class Cluster:
    """Where and how a hub starts its browser Pods (``kubernetes_*`` settings)."""

    api_url: str  # empty: in-cluster service account, else KUBECONFIG
    pods: PodSettings
    images: dict[str, str]  # browser -> image
    pending_timeout: float
    start_timeout: float  # for the driver, once the Pod runs


class KubernetesNode(browser_image.ImageNode):
    kind = "kubernetes"

    def __init__(self, *, hub_id: str, cluster: Cluster, max_pods: int,
                 media: RecordingSink | None = None) -> None:
        super().__init__(f"kubernetes-{hub_id[:8]}", cluster.api_url
                         or f"kubernetes://in-cluster/{cluster.pods.namespace}", max_pods)
        self.hub_id = hub_id
        self.cluster = cluster
        self.media = media  # where videos go (hub.media.provider.MediaProvider)
        self._client: AsyncClient | None = None
        self._http: aiohttp.ClientSession | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._seen: dict[str, Pod | None] = {}  # pod name -> latest state (None: deleted)
        self._changed = asyncio.Condition()
        self._sessions: dict[str, NodeSession] = {}  # pod name -> session
        self._undeleted: set[str] = set()  # pods whose deletion failed; tried again
        self._recordings: dict[str, tuple[ContainerRecording, str]] = {}  # pod -> (it, URL)

    @property
    def stereotypes(self) -> list[Capabilities]:
        return [{"browserName": name, "browserVersion": "", "platformName": "linux",
                 "tggrid:image": image} for name, image in self.cluster.images.items()]

    @property
    def client(self) -> AsyncClient:
        assert self._client is not None, "KubernetesNode.start() was not awaited"
        return self._client

    @property
    def http(self) -> aiohttp.ClientSession:
        assert self._http is not None, "KubernetesNode.start() was not awaited"
        return self._http

    async def start(self) -> None:
        self._client, namespace = connect(self.cluster.api_url, self.cluster.pods.namespace)
        if namespace != self.cluster.pods.namespace:
            self.cluster.pods = dataclasses.replace(self.cluster.pods, namespace=namespace)
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None,
                                                                         sock_connect=5))
        self._watcher = asyncio.create_task(self._watch(), name=f"{self.id}-watch")
        log.info("kubernetes.node_ready node=%s api=%s namespace=%s max_pods=%d", self.id,
                 self.uri, namespace, self.max_sessions)

    async def close(self) -> None:
        await self.liveness.close()
        await cancel_and_wait([self._watcher] if self._watcher else [])
        if self._http is not None:
            await self._http.close()
        if self._client is not None:
            await self._client.close()

    async def health(self) -> NodeHealth:
        try:
            async with asyncio.timeout(10):
                async for _ in self.client.list(Pod, chunk_size=1,
                                                labels={HUB_LABEL: self.hub_id}):
                    break
        except API_ERRORS as error:
            return NodeHealth(False, f"Kubernetes API {self.uri} does not answer: {error}")
        return NodeHealth(True)

    def metrics(self) -> dict[str, Any]:
        return {"pods": len(self._sessions)}

    # -- sessions --------------------------------------------------------------------------

    async def start_session(
        self, capabilities: Capabilities, stereotype: Capabilities, options: SessionOptions
    ) -> NodeSession:
        browser = stereotype["browserName"]
        tag = uuid.uuid4().hex
        name = pod_name(tag)
        manifest = session_pod(self.cluster.pods, hub_id=self.hub_id, tag=tag, browser=browser,
                               image=self.cluster.images[browser], options=options)
        self._seen[name] = None
        try:
            try:
                created = await self.client.create(cast(Pod, Pod.from_dict(manifest)))
            except ApiError as error:
                raise SessionStartError(f"the Kubernetes API refused the browser Pod: "
                                        f"{error.status.message}", retryable=True) from None
            except API_ERRORS as error:
                raise SessionStartError(f"Kubernetes API {self.uri} does not answer: "
                                        f"{error or type(error).__name__}",
                                        retryable=True) from None
            await self._note(name, created)
            host = await self._wait_running(name)
            url = f"http://{browser_image.address(host, PORTS[browser_image.DRIVER_PORT])}"
            await browser_image.wait_ready(self.http, url, self.cluster.start_timeout,
                                           lambda: self._ended(name), f"Pod {name}")
            caps = browser_image.driver_caps(capabilities, browser, "", options)
            session_id, returned = await driver_http.create_session(
                self.http, url, caps, self.cluster.start_timeout,
                lambda error: SessionStartError(
                    f"the driver in Pod {name} failed to create the session ({error})",
                    retryable=True))
        except BaseException:
            self._seen.pop(name, None)
            await asyncio.shield(self._delete(name))
            raise
        session = NodeSession(session_id, url, returned, stereotype, handle=name,
                              endpoints=browser_image.private_endpoints(returned, host, PORTS))
        if options.enable_vnc:
            session.endpoints["vnc"] = browser_image.address(host, PORTS[browser_image.VNC_PORT])
        if options.enable_video and self.media is not None:
            recording = ContainerRecording(self.media.video_path(session_id, options.video_name),
                                           time.time())
            self.media.register_recorder(session_id, recording)
            session.recorded = True
            self._recordings[name] = (
                recording, video_url(browser_image.address(host, RECORDING_PORT)))
        self._sessions[name] = session
        self.liveness.start(self.http, session)
        if name not in self._seen:  # deleted between its driver's answer and now
            session.mark_dead(f"the browser Pod {name} was deleted")
        log.info("kubernetes.pod_started node=%s pod=%s session=%s ip=%s", self.id, name,
                 session_id, host)
        return session

    async def _wait_running(self, name: str) -> str:
        """The Pod's address once it runs; fails when it ends, cannot start, or stays
        Pending past ``pending_timeout`` (with its events as the reason)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.cluster.pending_timeout
        async with self._changed:
            while True:
                pod = self._seen.get(name)
                if name not in self._seen:
                    raise SessionStartError(f"Pod {name} was deleted before it ran",
                                            retryable=True)
                if pod is not None and pod.status is not None:
                    if pod.status.phase == "Running" and pod.status.podIP:
                        return str(pod.status.podIP)
                    problem = await self._problem(name, pod)
                    if problem:
                        raise SessionStartError(problem, retryable=True)
                left = deadline - loop.time()
                if left <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), min(left, 1.0))
        raise SessionStartError(
            f"Pod {name} stayed Pending for {self.cluster.pending_timeout:g} s: "
            f"{await self._events(name) or 'no events'}", retryable=True)

    async def _problem(self, name: str, pod: Pod) -> str | None:
        assert pod.status is not None
        if pod.status.phase in {"Failed", "Succeeded"}:
            return (f"Pod {name} ended before its driver was ready: {_terminated(pod)} "
                    f"{await self._logs(name)}").strip()
        reason, message = _waiting(pod)
        if reason in FATAL_WAITING:
            return f"Pod {name} cannot start: {reason}: {message}"
        return None

    async def _ended(self, name: str) -> str | None:
        if name not in self._seen:
            return f"Pod {name} was deleted before its driver was ready"
        pod = self._seen[name]
        return await self._problem(name, pod) if pod is not None and pod.status else None

    async def _events(self, name: str) -> str:
        """The Pod's events, oldest first, as ``Reason: message`` (what `kubectl describe`
        shows); empty when they cannot be read."""
        lines = []
        with contextlib.suppress(*API_ERRORS):
            async with asyncio.timeout(10):
                async for event in self.client.list(
                        Event, fields={"involvedObject.kind": "Pod",
                                       "involvedObject.name": name}):
                    count = f" (x{event.count})" if event.count and event.count > 1 else ""
                    lines.append(f"{event.reason}: {event.message}{count}")
        return "; ".join(lines)

    async def _logs(self, name: str) -> str:
        lines: list[str] = []
        with contextlib.suppress(*API_ERRORS):
            async with asyncio.timeout(10):
                async for line in self.client.log(name, tail_lines=20):
                    lines.append(line.rstrip())
        return "\n".join(lines)[-2000:]

    # -- ending ----------------------------------------------------------------------------

    async def stop_session(self, session: NodeSession) -> None:
        name: str = session.handle
        self._sessions.pop(name, None)
        self._seen.pop(name, None)
        await self.liveness.stop(session)
        await driver_http.quit(self.http, session)
        recording, url = self._recordings.pop(name, (None, ""))
        try:
            if recording is not None:
                await fetch(self.http, url, recording, name,
                            session.death_reason if session.died.is_set() else "")
        finally:
            if recording is not None:
                recording.finish("the session ended before the video was fetched")
            await asyncio.shield(self._delete(name))
        log.info("kubernetes.pod_deleted node=%s pod=%s session=%s", self.id, name,
                 session.session_id)

    async def _delete(self, name: str) -> bool:
        """Delete a Pod; one the API cannot delete now is deleted when it answers again."""
        try:
            await self.client.delete(Pod, name, grace_period=STOP_GRACE)
        except ApiError as error:
            if error.status.code != 404:
                log.warning("kubernetes.delete_failed pod=%s error=%s", name,
                            error.status.message)
                self._undeleted.add(name)
                return False
        except API_ERRORS as error:
            log.warning("kubernetes.delete_failed pod=%s error=%r", name, error)
            self._undeleted.add(name)
            return False
        self._undeleted.discard(name)
        return True

    async def reap_dead_hubs(self, hub_ids: frozenset[str]) -> int:
        """Delete the Pods of hubs the database knows are dead."""
        if self._client is None or not hub_ids - {self.hub_id}:
            return 0
        dead = sorted(hub_ids - {self.hub_id})
        removed = 0
        try:
            found = [pod async for pod in self.client.list(Pod, labels={HUB_LABEL: dead})]
        except API_ERRORS as error:
            log.warning("kubernetes.reap_failed node=%s error=%r", self.id, error)
            return 0
        for pod in found:
            assert pod.metadata is not None
            if await self._delete(str(pod.metadata.name)):
                removed += 1
                log.warning("kubernetes.orphan_removed pod=%s hub=%s", pod.metadata.name,
                            (pod.metadata.labels or {}).get(HUB_LABEL))
        return removed

    # -- watching --------------------------------------------------------------------------

    async def _note(self, name: str, pod: Pod | None) -> None:
        """Record a Pod's state (None: gone) and wake whoever waits on it."""
        async with self._changed:
            if pod is None:
                self._seen.pop(name, None)
            elif name in self._seen:
                self._seen[name] = pod
            self._changed.notify_all()
        session = self._sessions.get(name)
        if session is None:
            return
        if pod is None or (pod.metadata and pod.metadata.deletionTimestamp):
            session.mark_dead(f"the browser Pod {name} was deleted")
        elif pod.status and pod.status.phase in {"Failed", "Succeeded"}:
            session.mark_dead(f"the browser Pod {name} stopped: {_terminated(pod)}")

    async def _watch(self) -> None:
        """List, then watch from the list's resourceVersion; again after every break."""
        labels: dict[str, Any] = {HUB_LABEL: self.hub_id}
        while True:
            try:
                listing = self.client.list(Pod, labels=labels)
                present = {_name(pod): pod async for pod in listing}
                for name in list(self._seen):
                    if name in present or name in self._sessions:
                        # a Pod still starting may be younger than the listing
                        await self._note(name, present.get(name))
                for name in list(self._undeleted):
                    await self._delete(name)
                version = listing.resourceVersion
                async with asyncio.timeout(WATCH_SECONDS + 15):
                    async for kind, pod in self.client.watch(
                            Pod, labels=labels, resource_version=version,
                            server_timeout=WATCH_SECONDS):
                        name = _name(pod)
                        await self._note(name, None if kind == "DELETED" else pod)
            except TimeoutError:
                continue  # a watch that outlived its server timeout: list again
            except API_ERRORS as error:
                log.warning("kubernetes.watch_broken node=%s error=%r", self.id, error)
                await asyncio.sleep(RETRY_SECONDS)


def _name(pod: Pod) -> str:
    """A Pod's name (the API always sets one on what it returns)."""
    return pod.metadata.name if pod.metadata and pod.metadata.name else ""
