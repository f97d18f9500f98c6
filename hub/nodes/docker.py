"""The Docker node: one browser container per session, on one Docker engine.

Each engine is its own node with its own capacity. A session's container publishes the
driver (4444), VNC (5900) and the browser's DevTools/BiDi (9229) on ephemeral 127.0.0.1 ports
only; the hub waits for the driver's ``/status``, creates the WebDriver session through the
published port, and removes the container when the session ends, however it ends. A failed
start removes what it created and is retryable, so the distributor tries another engine. The
warm pool keeps started containers with a default session. Blocking SDK calls run in threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
import uuid
from typing import Any

import aiohttp
import docker
from docker.errors import ImageNotFound
from docker.models.containers import Container

from hub.nodes import browser_image, driver_http
from hub.nodes import docker_driver as driver
from hub.nodes import docker_engines as engines
from hub.nodes.base import NodeHealth, NodeSession, SessionStartError
from hub.nodes.docker_video import ContainerRecording, collect, mark, salvage
from hub.screens import RecordingSink
from hub.w3c.capabilities import Capabilities, SessionOptions

log = logging.getLogger(__name__)

DRIVER_PORT, VNC_PORT, DEVTOOLS_PORT = driver.DRIVER_PORT, driver.VNC_PORT, driver.DEVTOOLS_PORT
PORTS = {name: ("127.0.0.1", None) for name in (DRIVER_PORT, VNC_PORT, DEVTOOLS_PORT)}
STOP_GRACE = 10
POLL_INTERVAL = 2.0
STATS_EVERY = 8  # polls between memory samples
ENGINE_ERRORS = engines.ENGINE_ERRORS


@dataclasses.dataclass(frozen=True)
class ContainerLimits:
    memory: str = "1g"
    cpus: float = 1.0
    shm_size: str = "2g"


@dataclasses.dataclass
class ContainerHandle:
    """What the node keeps per session, to destroy it later."""

    tag: str
    container: Container
    recording: ContainerRecording | None = None


def _ports(container: Container) -> dict[str, int]:
    """Container port ("4444/tcp") -> the 127.0.0.1 port the engine published it on."""
    ports = {}
    for name in PORTS:
        bindings = container.ports.get(name) or []
        if not bindings:
            raise SessionStartError(f"the engine published no port for {name}", retryable=True)
        ports[name] = int(bindings[0]["HostPort"])
    return ports


class DockerNode(browser_image.ImageNode):
    kind = "docker"

    def __init__(
        self, *, hub_id: str, engine_url: str, index: int, images: dict[str, str],
        max_sessions: int, start_timeout: float, limits: ContainerLimits | None = None,
        tls: engines.EngineTls | None = None, media: RecordingSink | None = None,
    ) -> None:
        super().__init__(f"docker-{hub_id[:8]}-{index}", engine_url or "docker://default",
                         max_sessions)
        self.hub_id = hub_id
        self.engine_url = engine_url
        self.images = images
        self.start_timeout = start_timeout
        self.limits = limits or ContainerLimits()
        self.tls = tls
        self.media = media  # where videos go (hub.media.provider.MediaProvider)
        self._versions: dict[str, str] = {}
        self._client: docker.DockerClient | None = None
        self._http: aiohttp.ClientSession | None = None
        self._sessions: dict[str, NodeSession] = {}
        self._poller: asyncio.Task[None] | None = None
        self._metrics: dict[str, Any] = {"containers": 0}

    @property
    def stereotypes(self) -> list[Capabilities]:
        return [{"browserName": name, "browserVersion": self._versions.get(name, ""),
                 "platformName": "linux", "tggrid:image": image}
                for name, image in self.images.items()]

    @property
    def client(self) -> docker.DockerClient:
        assert self._client is not None, "DockerNode.start() was not awaited"
        return self._client

    async def start(self) -> None:
        self._client = await asyncio.to_thread(engines.connect, self.engine_url, self.tls)
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None,
                                                                         sock_connect=5))
        await asyncio.to_thread(self._prepare)
        self._poller = asyncio.create_task(self._poll(), name=f"{self.id}-watch")

    def _prepare(self) -> None:
        try:
            self.client.ping()
            removed = engines.reap_orphans(self.client, self.hub_id,
                                           before_removal=self._salvage)
        except ENGINE_ERRORS as error:
            log.warning("docker.engine_down node=%s engine=%s error=%s", self.id, self.uri, error)
            return
        for name, image in self.images.items():
            self._versions[name] = engines.browser_version(self.client, name, image, self.hub_id)
        log.info("docker.engine_ready node=%s engine=%s orphans_removed=%d versions=%s",
                 self.id, self.uri, removed, self._versions)

    async def close(self) -> None:
        await self.liveness.close()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        if self._http is not None:
            await self._http.close()
        if self._client is not None:
            await asyncio.to_thread(self._client.close)

    @property
    def http(self) -> aiohttp.ClientSession:
        assert self._http is not None, "DockerNode.start() was not awaited"
        return self._http

    async def health(self) -> NodeHealth:
        try:
            await asyncio.to_thread(self.client.ping)
        except ENGINE_ERRORS as error:
            return NodeHealth(False, engines.engine_problem(self.uri, error))
        return NodeHealth(True)

    async def reap_dead_hubs(self, hub_ids: frozenset[str]) -> int:
        if self._client is None:
            return 0
        try:
            return await asyncio.to_thread(engines.reap_orphans, self.client, self.hub_id,
                                           hub_ids, self._salvage)
        except ENGINE_ERRORS as error:
            log.warning("docker.reap_failed node=%s engine=%s error=%s", self.id, self.uri,
                        error)
            return 0

    def _salvage(self, container: Container) -> None:
        """A dead hub's recorded container: its video goes where that hub's recording row
        points when the hubs share the recording directory (hub.nodes.docker_video)."""
        if self.media is not None:
            salvage(container, self.media.recording_dir)

    def metrics(self) -> dict[str, Any]:
        return dict(self._metrics)

    # -- sessions --------------------------------------------------------------------------

    async def start_session(
        self, capabilities: Capabilities, stereotype: Capabilities, options: SessionOptions
    ) -> NodeSession:
        browser = stereotype["browserName"]
        image = self.images[browser]
        tag = uuid.uuid4().hex
        creating = asyncio.ensure_future(
            asyncio.to_thread(self._run_container, image, browser, tag, options))
        try:
            container = await asyncio.shield(creating)
            ports = _ports(container)
            url = f"http://127.0.0.1:{ports[DRIVER_PORT]}"
            await driver.wait_ready(self.http, url, container, self.start_timeout)
            caps = driver.driver_caps(capabilities, browser, self._versions.get(browser, ""),
                                      options)
            session_id, returned = await driver.create_session(self.http, url, caps,
                                                               self.start_timeout)
        except BaseException:
            await asyncio.shield(self._discard(creating, tag))
            raise
        handle = ContainerHandle(tag, container)
        session = NodeSession(session_id, url, returned, stereotype, handle=handle,
                              endpoints=driver.private_endpoints(returned, ports))
        if options.enable_vnc:
            session.endpoints["vnc"] = f"127.0.0.1:{ports[VNC_PORT]}"
        if options.enable_video:
            handle.recording = self._register_recording(session_id, options)
            if handle.recording is not None:
                session.recorded = True
                await asyncio.to_thread(mark, container, handle.recording.path)
        self._sessions[tag] = session
        self.liveness.start(self.http, session)
        log.info("docker.container_started node=%s container=%s session=%s image=%s",
                 self.id, container.short_id, session_id, image)
        return session

    def _run_container(
        self, image: str, browser: str, tag: str, options: SessionOptions
    ) -> Container:
        environment = browser_image.environment(options)
        labels = {**{k: v for k, v in options.labels.items() if not k.startswith("tggrid.")},
                  **engines.hub_labels(self.hub_id), engines.SESSION_LABEL: tag,
                  engines.BROWSER_LABEL: browser}
        limits: dict[str, Any] = {"shm_size": self.limits.shm_size}
        if self.limits.memory:
            limits["mem_limit"] = limits["memswap_limit"] = self.limits.memory
        if self.limits.cpus > 0:
            limits["nano_cpus"] = int(self.limits.cpus * 1e9)
        try:
            container = self.client.containers.create(
                image, name=f"tggrid-{tag[:16]}", labels=labels, environment=environment,
                ports=PORTS, detach=True, **limits)
            container.start()
            container.reload()
        except ImageNotFound:
            raise SessionStartError(
                f"image {image} is not on Docker engine {self.uri}; build it with "
                f"`tggrid images build {browser}`", retryable=True) from None
        except ENGINE_ERRORS as error:
            raise SessionStartError(f"Docker engine {self.uri} could not start a container: "
                                    f"{error}", retryable=True) from None
        return container

    async def _discard(self, creating: asyncio.Future[Container], tag: str) -> None:
        """Undo a failed start: let the creation finish, then remove by label."""
        with contextlib.suppress(BaseException):
            await creating
        if self._client is not None:
            await asyncio.to_thread(engines.remove_session_containers, self._client, tag)

    def _register_recording(
        self, session_id: str, options: SessionOptions
    ) -> ContainerRecording | None:
        if self.media is None:
            return None
        path = self.media.video_path(session_id, options.video_name)
        recording = ContainerRecording(path, time.time())
        self.media.register_recorder(session_id, recording)
        return recording

    async def stop_session(self, session: NodeSession) -> None:
        handle: ContainerHandle = session.handle
        self._sessions.pop(handle.tag, None)
        await self.liveness.stop(session)
        assert self._http is not None
        await driver_http.quit(self._http, session)
        try:
            with contextlib.suppress(*ENGINE_ERRORS):
                await asyncio.to_thread(handle.container.stop, timeout=STOP_GRACE)
            if handle.recording is not None:
                await collect(handle.container, handle.recording,
                              session.death_reason if session.died.is_set() else "")
        finally:
            if handle.recording is not None:
                handle.recording.finish("the session ended before the video was collected")
            await asyncio.shield(asyncio.to_thread(
                engines.remove_session_containers, self.client, handle.tag))
            log.info("docker.container_removed node=%s container=%s session=%s", self.id,
                     handle.container.short_id, session.session_id)

    # -- watching --------------------------------------------------------------------------

    async def _poll(self) -> None:
        """Mark sessions dead whose container stopped; sample memory now and then."""
        rounds = 0
        while True:
            await asyncio.sleep(POLL_INTERVAL)
            rounds += 1
            if not self._sessions:
                self._metrics = {"containers": 0}
                continue
            try:
                states = await asyncio.to_thread(self._container_states)
            except ENGINE_ERRORS as error:
                log.warning("docker.poll_failed node=%s error=%s", self.id, error)
                continue
            for tag, session in list(self._sessions.items()):
                state = states.get(tag)
                if state is None or state[0] not in {"created", "running", "restarting"}:
                    how = f"{state[0]}: {state[1]}" if state else "removed"
                    session.mark_dead(f"the browser container stopped ({how})")
            if rounds % STATS_EVERY == 1:
                self._metrics = await asyncio.to_thread(self._sample, len(states))

    def _container_states(self) -> dict[str, tuple[str, str]]:
        """session tag -> (state, status text), from one sparse list call."""
        found = self.client.containers.list(
            all=True, sparse=True, filters={"label": f"{engines.HUB_LABEL}={self.hub_id}"})
        return {(c.attrs.get("Labels") or {}).get(engines.SESSION_LABEL, ""): (
            str(c.attrs.get("State", "")), str(c.attrs.get("Status", ""))) for c in found}

    def _sample(self, count: int) -> dict[str, Any]:
        memory = 0
        for session in list(self._sessions.values()):
            with contextlib.suppress(*ENGINE_ERRORS, KeyError, TypeError):
                stats = session.handle.container.stats(stream=False, one_shot=True)
                memory += int(stats["memory_stats"].get("usage", 0))
        return {"containers": count, "memory_bytes": memory}
