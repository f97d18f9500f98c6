"""A FAKE Kubernetes API server (no real one can run here), for the Kubernetes node's tests.

It speaks the real API's HTTP for the calls the node makes, on 127.0.0.1: create, get, list
and delete Pods (label and field selectors), watch them (``watch=true`` from a
``resourceVersion``: newline-delimited ``{"type", "object"}``; 410 Gone as an ERROR event for
a compacted version; the stream ends after ``timeoutSeconds``), list Events, read
``pods/log``, ``/version``. Every Pod created is validated with ``kubernetes-validate``
against the schema of a current Kubernetes release, and refused with 422 when invalid, as
the real API server would.

What a Pod does is the test's choice (``behaviour``):
- ``docker``: the real browser image runs as a Docker container, its ports published on a
  loopback address of its own (127.77.x.y), reported as the Pod's IP, so the node reaches
  4444/5900/9229 exactly as it would in a cluster;
- ``pending``: never scheduled (a FailedScheduling event, as with no room in the cluster);
- ``image-pull``: the image cannot be pulled (ErrImagePull, then ImagePullBackOff).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import random
import re
import socket
import threading
import uuid
from typing import Any

import docker
import kubernetes_validate
from aiohttp import web

K8S_VERSION = kubernetes_validate.latest_version()


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status(code: int, reason: str, message: str) -> web.Response:
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}
    return web.json_response(body, status=code)


def _split(selector: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in selector:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def matches_labels(labels: dict[str, str], selector: str) -> bool:
    """Kubernetes label selector: k=v, k==v, k!=v, k, !k, k in (a,b), k notin (a,b)."""
    for term in _split(selector):
        if found := re.fullmatch(r"(\S+)\s+(in|notin)\s+\((.*)\)", term):
            key, op, values = found[1], found[2], {v.strip() for v in found[3].split(",")}
            inside = key in labels and labels[key] in values
            if inside != (op == "in"):
                return False
        elif "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, value = re.split(r"==?", term, maxsplit=1)
            if labels.get(key) != value:
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def _field(obj: dict[str, Any], path: str) -> str:
    value: Any = obj
    for part in path.split("."):
        value = value.get(part, {}) if isinstance(value, dict) else {}
    return value if isinstance(value, str) else ""


def matches_fields(obj: dict[str, Any], selector: str) -> bool:
    for term in _split(selector):
        key, value = re.split(r"==?", term, maxsplit=1)
        if _field(obj, key) != value:
            return False
    return True


class FakeKubeApi:
    """The fake server; ``url`` once started. ``stop()``/``start()`` take it away and bring it
    back on the same port with the same state, as an API server restart would."""

    def __init__(self, docker_client: docker.DockerClient | None = None) -> None:
        self.docker = docker_client
        self.behaviour = "docker"
        self.pods: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.history: list[tuple[int, str, dict[str, Any]]] = []
        self.compacted = 0  # resource versions at or below this answer 410 Gone
        self.created: list[dict[str, Any]] = []  # every Pod body accepted, as sent
        self.containers: dict[str, Any] = {}
        self._version = itertools.count(100)
        self._rv = 100
        self._changed = asyncio.Condition()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/version", self._get_version)
        app.router.add_post("/api/v1/namespaces/{ns}/pods", self._create)
        app.router.add_get("/api/v1/namespaces/{ns}/pods", self._list_pods)
        app.router.add_get("/api/v1/namespaces/{ns}/pods/{name}", self._get)
        app.router.add_delete("/api/v1/namespaces/{ns}/pods/{name}", self._delete)
        app.router.add_get("/api/v1/namespaces/{ns}/pods/{name}/log", self._log)
        app.router.add_get("/api/v1/namespaces/{ns}/events", self._list_events)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        if not self.port:
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """The API server goes away: open watches are cut, new connections refused."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def close(self) -> None:
        await self.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for name in list(self.containers):
            await asyncio.to_thread(self._remove_container, name)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- state changes -------------------------------------------------------------------

    async def _emit(self, kind: str, pod: dict[str, Any]) -> None:
        async with self._changed:
            self._rv = next(self._version)
            pod["metadata"]["resourceVersion"] = str(self._rv)
            if kind == "DELETED":
                self.pods.pop(pod["metadata"]["name"], None)
            else:
                self.pods[pod["metadata"]["name"]] = pod
            self.history.append((self._rv, kind, json.loads(json.dumps(pod))))
            self._changed.notify_all()

    def _event(self, pod: dict[str, Any], kind: str, reason: str, message: str) -> None:
        meta = pod["metadata"]
        self.events.append({
            "apiVersion": "v1", "kind": "Event", "type": kind, "reason": reason,
            "message": message, "count": 1, "firstTimestamp": _now(), "lastTimestamp": _now(),
            "metadata": {"name": f"{meta['name']}.{uuid.uuid4().hex[:12]}",
                         "namespace": meta["namespace"], "resourceVersion": str(self._rv)},
            "involvedObject": {"kind": "Pod", "name": meta["name"],
                               "namespace": meta["namespace"], "uid": meta["uid"],
                               "apiVersion": "v1"},
            "source": {"component": "fake-kube-api"},
        })

    async def set_phase(self, name: str, phase: str, **status: Any) -> None:
        pod = self.pods[name]
        pod["status"] = {**pod["status"], "phase": phase, **status}
        await self._emit("MODIFIED", pod)

    def compact(self) -> None:
        """Forget history, as etcd compaction does: older resourceVersions get 410 Gone."""
        self.compacted = self._rv
        self.history.clear()

    async def delete_pod(self, name: str) -> None:
        """Delete a Pod as `kubectl delete pod` would (the test's hand, not the hub's)."""
        pod = self.pods[name]
        pod["metadata"]["deletionTimestamp"] = _now()
        await self._emit("MODIFIED", pod)
        await asyncio.to_thread(self._remove_container, name)
        await self._emit("DELETED", pod)

    # -- behaviours ----------------------------------------------------------------------

    async def _schedule(self, pod: dict[str, Any]) -> None:
        name = pod["metadata"]["name"]
        container = pod["spec"]["containers"][0]
        if self.behaviour == "pending":
            self._event(pod, "Warning", "FailedScheduling",
                        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes "
                        "are available: 3 No preemption victims found for incoming pod.")
            return
        self._event(pod, "Normal", "Scheduled", f"Successfully assigned {name} to fake-node")
        if self.behaviour == "image-pull":
            self._event(pod, "Normal", "Pulling", f"Pulling image \"{container['image']}\"")
            message = (f"Failed to pull image \"{container['image']}\": rpc error: code = "
                       "NotFound desc = failed to pull and unpack image: not found")
            self._event(pod, "Warning", "Failed", message)
            await asyncio.sleep(0.2)
            await self.set_phase(name, "Pending", containerStatuses=[
                self._container_status(container, waiting=("ErrImagePull", message))])
            await asyncio.sleep(0.5)
            self._event(pod, "Normal", "BackOff", f"Back-off pulling image "
                                                  f"\"{container['image']}\"")
            await self.set_phase(name, "Pending", containerStatuses=[
                self._container_status(container, waiting=(
                    "ImagePullBackOff", f"Back-off pulling image \"{container['image']}\""))])
            return
        address = await asyncio.to_thread(pod_address)
        try:
            await asyncio.to_thread(self._run_container, pod, address)
        except docker.errors.DockerException as error:
            self._event(pod, "Warning", "Failed", f"Error: {error}")
            await self.set_phase(name, "Failed", containerStatuses=[
                self._container_status(container, terminated=("Error", 128))])
            return
        if name not in self.pods:
            return
        self._event(pod, "Normal", "Started", "Started container browser")
        await self.set_phase(name, "Running", podIP=address, podIPs=[{"ip": address}],
                             containerStatuses=[self._container_status(container)])
        self._spawn(self._watch_container(name))

    @staticmethod
    def _container_status(container: dict[str, Any], waiting: tuple[str, str] | None = None,
                          terminated: tuple[str, int] | None = None) -> dict[str, Any]:
        if waiting:
            state: dict[str, Any] = {"waiting": {"reason": waiting[0], "message": waiting[1]}}
        elif terminated:
            state = {"terminated": {"reason": terminated[0], "exitCode": terminated[1]}}
        else:
            state = {"running": {"startedAt": _now()}}
        return {"name": container["name"], "image": container["image"], "imageID": "",
                "ready": not waiting and not terminated, "restartCount": 0,
                "started": not waiting and not terminated, "state": state}

    def _run_container(self, pod: dict[str, Any], address: str) -> None:
        assert self.docker is not None, "behaviour docker needs a Docker client"
        spec = pod["spec"]
        container = spec["containers"][0]
        shm = next(v["emptyDir"]["sizeLimit"] for v in spec["volumes"] if v["name"] == "dshm")
        ports = {f"{p['containerPort']}/tcp": (address, p["containerPort"])
                 for p in container["ports"]}
        limits = container["resources"].get("limits", {})
        self.containers[pod["metadata"]["name"]] = self.docker.containers.run(
            container["image"], detach=True, labels={**pod["metadata"]["labels"],
                                                     "tggrid.test": "fake-kube-api"},
            environment={e["name"]: e["value"] for e in container["env"]}, ports=ports,
            shm_size=shm.replace("Gi", "g").replace("Mi", "m"),
            user=f"{spec['securityContext']['runAsUser']}",
            mem_limit=limits.get("memory", "").replace("Gi", "g").replace("Mi", "m") or None,
            name=f"fake-kube-{pod['metadata']['name']}")

    async def _watch_container(self, name: str) -> None:
        while name in self.pods and name in self.containers:
            await asyncio.sleep(0.5)
            container = self.containers.get(name)
            if container is None:
                return
            with contextlib.suppress(docker.errors.DockerException):
                await asyncio.to_thread(container.reload)
                if container.status == "exited" and name in self.pods:
                    code = int(container.attrs["State"]["ExitCode"])
                    pod_container = self.pods[name]["spec"]["containers"][0]
                    await self.set_phase(name, "Succeeded" if code == 0 else "Failed",
                                         containerStatuses=[self._container_status(
                                             pod_container, terminated=("Error", code))])
                    return

    def _remove_container(self, name: str) -> None:
        container = self.containers.pop(name, None)
        if container is not None:
            with contextlib.suppress(docker.errors.DockerException):
                container.stop(timeout=10)
            with contextlib.suppress(docker.errors.DockerException):
                container.remove(force=True)

    # -- handlers ------------------------------------------------------------------------

    async def _get_version(self, request: web.Request) -> web.Response:
        major, minor, _ = K8S_VERSION.split(".")
        return web.json_response({"major": major, "minor": minor,
                                  "gitVersion": f"v{K8S_VERSION}-fake"})

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            kubernetes_validate.validate(body, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            return _status(422, "Invalid", f"Pod is invalid: {error.message}")
        name = body["metadata"]["name"]
        if name in self.pods:
            return _status(409, "AlreadyExists", f'pods "{name}" already exists')
        self.created.append(json.loads(json.dumps(body)))
        pod = json.loads(json.dumps(body))
        pod["metadata"].update({"namespace": request.match_info["ns"], "uid": str(uuid.uuid4()),
                                "creationTimestamp": _now()})
        pod["status"] = {"phase": "Pending"}
        await self._emit("ADDED", pod)
        self._spawn(self._schedule(pod))
        return web.json_response(pod, status=201)

    def _select(self, request: web.Request, objects: list[dict[str, Any]]
                ) -> list[dict[str, Any]]:
        ns = request.match_info["ns"]
        labels = request.query.get("labelSelector", "")
        fields = request.query.get("fieldSelector", "")
        return [o for o in objects if o["metadata"].get("namespace") == ns
                and matches_labels(o["metadata"].get("labels") or {}, labels)
                and matches_fields(o, fields)]

    async def _list_pods(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("watch") in {"true", "1"}:
            return await self._watch(request)
        items = self._select(request, list(self.pods.values()))
        return web.json_response({"kind": "PodList", "apiVersion": "v1",
                                  "metadata": {"resourceVersion": str(self._rv)},
                                  "items": items})

    async def _watch(self, request: web.Request) -> web.StreamResponse:
        since = int(request.query.get("resourceVersion") or self._rv)
        timeout = float(request.query.get("timeoutSeconds") or 1800)
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        if since < self.compacted:
            gone = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 410,
                    "reason": "Expired", "message": f"too old resource version: {since}"}
            await response.write(json.dumps({"type": "ERROR", "object": gone}).encode() + b"\n")
            return response
        deadline = asyncio.get_running_loop().time() + timeout
        sent = since
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            async with asyncio.timeout_at(deadline):
                while True:
                    async with self._changed:
                        await self._changed.wait_for(lambda sent=sent: self._rv > sent)
                        fresh = [(rv, kind, pod) for rv, kind, pod in self.history if rv > sent]
                        sent = self._rv
                    for _rv, kind, pod in fresh:
                        if self._select(request, [pod]):
                            line = json.dumps({"type": kind, "object": pod}).encode() + b"\n"
                            await response.write(line)
        return response

    async def _get(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self.pods:
            return _status(404, "NotFound", f'pods "{name}" not found')
        return web.json_response(self.pods[name])

    async def _delete(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self.pods:
            return _status(404, "NotFound", f'pods "{name}" not found')
        pod = self.pods[name]
        pod["metadata"]["deletionTimestamp"] = _now()
        await self._emit("MODIFIED", pod)
        self._spawn(self._finish_delete(name))
        return web.json_response(pod)

    async def _finish_delete(self, name: str) -> None:
        await asyncio.to_thread(self._remove_container, name)
        if name in self.pods:
            await self._emit("DELETED", self.pods[name])

    async def _log(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        container = self.containers.get(name)
        if name not in self.pods:
            return _status(404, "NotFound", f'pods "{name}" not found')
        text = ""
        if container is not None:
            tail = int(request.query.get("tailLines") or 100)
            text = (await asyncio.to_thread(container.logs, tail=tail)).decode(errors="replace")
        return web.Response(text=text)

    async def _list_events(self, request: web.Request) -> web.Response:
        return web.json_response({"kind": "EventList", "apiVersion": "v1",
                                  "metadata": {"resourceVersion": str(self._rv)},
                                  "items": self._select(request, self.events)})


def pod_address() -> str:
    """A loopback address of the Pod's own (127.77.x.y) whose port 4444 is free."""
    while True:
        address = f"127.77.{random.randint(1, 254)}.{random.randint(2, 254)}"
        with socket.socket() as probe:
            try:
                probe.bind((address, 4444))
            except OSError:
                continue
        return address


class FakeKubeApiThread:
    """The fake on an event loop of its own thread, for hubs running as child processes;
    ``run(coro_fn, *args)`` runs one of its coroutines there and returns the result."""

    def __init__(self, docker_client: docker.DockerClient | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                       name="fake-kube-api")
        self.thread.start()
        self.api = FakeKubeApi(docker_client)
        self.run(self.api.start)

    def run(self, function: Any, *args: Any) -> Any:
        async def call() -> Any:
            return await function(*args)

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(timeout=120)

    def close(self) -> None:
        try:
            self.run(self.api.close)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            self.loop.close()
