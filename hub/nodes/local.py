"""The local node: one chromedriver/geckodriver/WebKitWebDriver process per session.

It needs nothing but the browsers Debian ships. Each session gets its own driver on a free
loopback port, its own temporary directory (profile, driver log, TMPDIR) and a tag in the
environment of every process it starts, so the whole tree is destroyed when the session ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import os
import shutil
import socket
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from hub import processes
from hub.nodes import browser_watch, driver_http
from hub.nodes.base import Node, NodeHealth, NodeSession, SessionStartError
from hub.nodes.browsers import BrowserInstall
from hub.screens import ScreenError, ScreenProvider, SessionScreen
from hub.security.privileges import BrowserUser, sandbox_works
from hub.w3c.capabilities import Capabilities, SessionOptions, driver_capabilities

log = logging.getLogger(__name__)

CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-gpu",
)
WORKDIR_PREFIX = "tggrid-"
OWNER_FILE = "owner"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _has_flag(args: list[str], flag: str) -> bool:
    return any(str(arg).split("=", 1)[0] == flag for arg in args)


def vendor_args(caps: Capabilities, vendor: str) -> list[Any] | None:
    """The vendor options' args list, or None when the client sent a shape the driver must
    refuse itself (the hub adds nothing then, so the client gets the driver's own error)."""
    options = caps.get(vendor, {})
    args = options.get("args", []) if isinstance(options, dict) else None
    return args if isinstance(args, list) else None


def _sized_by_client(caps: Capabilities) -> bool:
    """The client chose its own window size; leave it be."""
    chrome = vendor_args(caps, "goog:chromeOptions") or []
    firefox = vendor_args(caps, "moz:firefoxOptions") or []
    return _has_flag([str(a) for a in chrome], "--window-size") or "-width" in firefox


def chrome_capabilities(
    caps: Capabilities, install: BrowserInstall, workdir: Path, headless: bool,
    sandbox: bool = False,
) -> Capabilities:
    """Inject the binary and the flags this environment needs, unless the client set them;
    ``sandbox`` keeps Chromium's own sandbox (the browser runs unprivileged, userns work)."""
    caps = copy.deepcopy(caps)
    caps["browserName"] = "chrome"
    if vendor_args(caps, "goog:chromeOptions") is None:
        return caps
    options = caps.setdefault("goog:chromeOptions", {})
    options.setdefault("binary", install.browser_binary)
    args = [str(arg) for arg in options.get("args", [])]
    for flag in CHROMIUM_FLAGS:
        if sandbox and flag == "--no-sandbox":
            continue
        if not _has_flag(args, flag):
            args.append(flag)
    if headless and not _has_flag(args, "--headless"):
        args.append("--headless=new")
    if not _has_flag(args, "--user-data-dir"):
        args.append(f"--user-data-dir={workdir / 'profile'}")
    options["args"] = args
    return caps


def firefox_capabilities(
    caps: Capabilities, install: BrowserInstall, headless: bool
) -> Capabilities:
    caps = copy.deepcopy(caps)
    caps["browserName"] = "firefox"
    if vendor_args(caps, "moz:firefoxOptions") is None:
        return caps
    options = caps.setdefault("moz:firefoxOptions", {})
    options.setdefault("binary", install.browser_binary)
    args = [str(arg) for arg in options.get("args", [])]
    if headless and "-headless" not in args and "--headless" not in args:
        args.append("-headless")
    options["args"] = args
    return caps


OTHER_VENDORS = ("goog:", "moz:", "ms:")


def webkit_capabilities(caps: Capabilities, install: BrowserInstall) -> Capabilities:
    """WebKitWebDriver matches ``browserName`` against MiniBrowser's own name and has no
    use for other browsers' options (Selenium's generic clients send ``goog:chromeOptions``):
    the hub, which matched ``webkit``, leaves the name out and points the driver at the
    MiniBrowser it found, in automation mode, unless the client chose its own."""
    caps = {key: value for key, value in copy.deepcopy(caps).items()
            if key != "browserName" and not key.startswith(OTHER_VENDORS)}
    options = caps.setdefault("webkitgtk:browserOptions", {})
    if isinstance(options, dict) and "binary" not in options and install.browser_binary:
        options["binary"] = install.browser_binary
        options.setdefault("args", ["--automation"])
    return caps


def _tail(path: Path, limit: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-limit:].strip()
    except OSError:
        return ""


class LocalProcessHandle:
    """What the local node keeps per session, to destroy it later."""

    def __init__(self, tag: str, workdir: Path, process: asyncio.subprocess.Process) -> None:
        self.tag = tag
        self.workdir = workdir
        self.process = process
        self.watcher: asyncio.Task[None] | None = None
        self.media: SessionScreen | None = None  # when headed


class LocalNode(Node):
    kind = "local"

    def __init__(
        self, *, hub_id: str, installs: list[BrowserInstall], max_sessions: int,
        start_timeout: float, display_provider: ScreenProvider | None = None,
        run_as: BrowserUser | None = None,
    ) -> None:
        super().__init__(f"local-{hub_id[:8]}", "local://", max_sessions)
        self.hub_id = hub_id
        self.installs = {install.name: install for install in installs}
        self.start_timeout = start_timeout
        self.display_provider = display_provider
        self.run_as = run_as  # drivers and browsers never run as root (hub.security)
        self.sandbox = False  # Chromium's own sandbox, tried at start()
        self._http: aiohttp.ClientSession | None = None

    @property
    def stereotypes(self) -> list[Capabilities]:
        return [install.stereotype for install in self.installs.values()]

    @property
    def binaries(self) -> list[str]:
        return [path for install in self.installs.values()
                for path in (install.browser_binary, install.driver_binary)]

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5),
        )
        remove_stale_workdirs()
        self.sandbox = await asyncio.to_thread(sandbox_works, self.run_as)
        log.info("node.privileges user=%s sandbox=%s",
                 self.run_as.name if self.run_as else os.getuid(), self.sandbox)

    async def close(self) -> None:
        if self._http:
            await self._http.close()

    @property
    def http(self) -> aiohttp.ClientSession:
        assert self._http is not None, "LocalNode.start() was not awaited"
        return self._http

    async def health(self) -> NodeHealth:
        missing = [i.name for i in self.installs.values()
                   if not (os.access(i.browser_binary, os.X_OK)
                           and os.access(i.driver_binary, os.X_OK))]
        if missing:
            return NodeHealth(False, f"binaries gone for: {', '.join(missing)}")
        return NodeHealth(True)

    def metrics(self) -> dict[str, Any]:
        return {"cpu": psutil.cpu_percent(interval=None),
                "memory": psutil.virtual_memory().percent}

    prestarts = True

    async def prestart(
        self, capabilities: Capabilities, stereotype: Capabilities, options: SessionOptions
    ) -> NodeSession:
        return await self.start_session(capabilities, stereotype, options)

    async def alive(self, session: NodeSession) -> bool:
        """The driver runs and still reaches its browser (a killed browser fails this)."""
        if session.handle.process.returncode is not None:
            return False
        return await driver_http.reaches_browser(self.http, session)

    async def start_session(
        self, capabilities: Capabilities, stereotype: Capabilities, options: SessionOptions
    ) -> NodeSession:
        install = self.installs[stereotype["browserName"]]
        tag = uuid.uuid4().hex
        workdir = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{tag[:8]}-"))
        (workdir / OWNER_FILE).write_text(f"{self.hub_id} {os.getpid()}")
        process: asyncio.subprocess.Process | None = None
        media: SessionScreen | None = None
        headed = False
        try:
            if options.needs_screen or install.needs_display:
                if self.display_provider is None:
                    raise SessionStartError(f"this node has no screens (for VNC, video or "
                                            f"{install.name})")
                headed = install.needs_display or self.display_provider.needs_display(
                    options, install.name)
                media = await self.display_provider.open(options, tag, workdir, install.name,
                                                         headed)
            port = free_port()
            argv, driver_caps = self._plan(install, port, capabilities, workdir, options, headed)
            env = {"TMPDIR": str(workdir), **options.env, **(media.env if media else {})}
            if options.time_zone:
                env["TZ"] = options.time_zone
            user = None
            if self.run_as is not None:
                (workdir / "driver.log").touch()
                self.run_as.own(workdir)
                env.update(self.run_as.env(workdir))
                user = (self.run_as.uid, self.run_as.gid)
            process = await processes.spawn(
                argv, hub_id=self.hub_id, session_tag=tag, env=env,
                log_path=str(workdir / "driver.log"), cwd=str(workdir), user=user,
            )
            url = f"http://127.0.0.1:{port}"
            await self._wait_ready(url, process, workdir)
            session_id, returned = await self._create(url, driver_caps, process, workdir)
            if headed and options.needs_screen and not _sized_by_client(capabilities):
                await self._fill_screen(url, session_id, install.name, options)
            if media is not None:
                await media.attach(session_id, driver_http.driver_endpoints(returned))
        except BaseException as error:
            if media is not None:
                await asyncio.shield(media.close())
            self._destroy(process.pid if process else None, tag, workdir)
            if process is not None and process.returncode is None:
                with contextlib.suppress(ProcessLookupError, TimeoutError):
                    async with asyncio.timeout(5):
                        await process.wait()
            if isinstance(error, ScreenError):
                raise SessionStartError(str(error)) from None
            raise
        handle = LocalProcessHandle(tag, workdir, process)
        handle.media = media
        session = NodeSession(session_id, url, returned, stereotype, handle=handle)
        if media is not None:
            session.endpoints.update(media.endpoints)
            session.recorded = media.recorded
        session.endpoints.update(driver_http.driver_endpoints(returned))
        handle.watcher = asyncio.create_task(self._watch(session, handle))
        return session

    def _plan(
        self, install: BrowserInstall, port: int, caps: Capabilities, workdir: Path,
        options: SessionOptions, headed: bool,
    ) -> tuple[list[str], Capabilities]:
        headless = not headed
        # The hub matched the version and reads its own options; geckodriver would refuse
        # "latest" and echo se:* back (a pooled session could not answer the same).
        caps = driver_capabilities(caps)
        if install.name == "chrome":
            argv = [install.driver_binary, f"--port={port}"]
            caps = chrome_capabilities(caps, install, workdir, headless, self.sandbox)
            if (options.needs_screen and vendor_args(caps, "goog:chromeOptions") is not None):
                # fill what VNC shows; headless, the size of the frames its screencast films
                width, height, _ = options.screen_resolution
                args = caps["goog:chromeOptions"]["args"]
                for flag, value in (("--window-position", "0,0"),
                                    ("--window-size", f"{width},{height}")):
                    if not _has_flag(args, flag):
                        args.append(f"{flag}={value}")
            return argv, caps
        if install.name == "webkit":  # always headed, on the screen the media provider made
            return ([install.driver_binary, "--host=127.0.0.1", f"--port={port}"],
                    webkit_capabilities(caps, install))
        argv = [install.driver_binary, "--host", "127.0.0.1", "--port", str(port),
                "--websocket-port", str(free_port())]
        caps = firefox_capabilities(caps, install, headless)
        if not headless and vendor_args(caps, "moz:firefoxOptions") is not None:
            # the first window at screen size; _fill_screen pins it at 0,0
            width, height, _ = options.screen_resolution
            args = caps["moz:firefoxOptions"]["args"]
            for flag, size in (("-width", width), ("-height", height)):
                if flag not in args:
                    args += [flag, str(size)]
        return argv, caps

    async def _fill_screen(self, url: str, session_id: str, browser: str,
                           options: SessionOptions) -> None:
        """Launch flags only hint (Firefox has no position flag, the window manager leaves
        Chromium a pixel short): fit the window to the screen so VNC and the video show the
        browser and nothing else."""
        width, height, _ = options.screen_resolution
        command, body = (("maximize", {}) if browser == "chrome" else
                         ("rect", {"x": 0, "y": 0, "width": width, "height": height}))
        async with self.http.post(f"{url}/session/{session_id}/window/{command}", json=body,
                                  timeout=aiohttp.ClientTimeout(total=30)) as response:
            if response.status != 200:
                raise SessionStartError(
                    f"could not size the {browser} window to {width}x{height}: "
                    f"{(await response.text())[:500]}")

    async def _wait_ready(
        self, url: str, process: asyncio.subprocess.Process, workdir: Path
    ) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise SessionStartError(
                    f"driver exited with code {process.returncode} before it was ready: "
                    f"{_tail(workdir / 'driver.log')}"
                )
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with self.http.get(f"{url}/status",
                                         timeout=aiohttp.ClientTimeout(total=2)) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.05)
        raise SessionStartError(f"driver did not answer /status within {self.start_timeout:g} s")

    async def _create(
        self, url: str, caps: Capabilities, process: asyncio.subprocess.Process, workdir: Path
    ) -> tuple[str, Capabilities]:
        def unreachable(error: str) -> SessionStartError:
            return SessionStartError(f"driver failed to create the session ({error}): "
                                     f"{_tail(workdir / 'driver.log')}")

        return await driver_http.create_session(self.http, url, caps, self.start_timeout,
                                                unreachable)

    async def _watch(self, session: NodeSession, handle: LocalProcessHandle) -> None:
        """The driver exiting, or its browser (browser_watch), ends the session."""
        browser = asyncio.create_task(browser_watch.watch(session, handle.process.pid))
        try:
            code = await handle.process.wait()
            session.mark_dead(f"the driver process exited with code {code}")
        finally:
            browser.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await browser

    async def stop_session(self, session: NodeSession) -> None:
        handle: LocalProcessHandle = session.handle
        if not session.quit_sent and handle.process.returncode is None:
            session.quit_sent = True
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
                async with self.http.delete(
                    f"{session.url}/session/{session.session_id}",
                    timeout=aiohttp.ClientTimeout(total=5),
                ) as response:
                    await response.read()
        if handle.watcher:
            handle.watcher.cancel()
        if handle.media is not None:
            await handle.media.close()
        await asyncio.to_thread(self._destroy, handle.process.pid, handle.tag, handle.workdir)
        if handle.process.returncode is None:
            with contextlib.suppress(ProcessLookupError, TimeoutError):
                async with asyncio.timeout(5):
                    await handle.process.wait()

    @staticmethod
    def _destroy(pid: int | None, tag: str, workdir: Path) -> None:
        processes.kill_tree(pid, tag)
        shutil.rmtree(workdir, ignore_errors=True)


def remove_stale_workdirs() -> None:
    """Remove session folders whose hub is gone (a crash leaves them behind)."""
    root = Path(tempfile.gettempdir())
    for folder in root.glob(f"{WORKDIR_PREFIX}*"):
        try:
            _, pid = (folder / OWNER_FILE).read_text().split()
        except (OSError, ValueError):
            continue
        if not psutil.pid_exists(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
