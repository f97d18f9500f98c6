"""Run inside the systemd container (tests/docker/test_systemd_unit.py) with the venv of the
installed hub: a user of the service on the server itself, signed in as the first admin. It
speaks W3C WebDriver over plain HTTP: the images hold the hub's dependencies, not Selenium.

    python systemd_client.py EMAIL PASSWORD signin   # sign in; W3C /status with the token
    python systemd_client.py EMAIL PASSWORD video    # Chromium on Xvfb with VNC, recorded
    python systemd_client.py EMAIL PASSWORD firefox  # a headless Firefox session
    python systemd_client.py EMAIL PASSWORD open     # a recorded session left running
    python systemd_client.py EMAIL PASSWORD fetch ID # that session's video, ffprobed

Prints one JSON line; exits non-zero when a step fails.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import aiohttp

HUB = "http://127.0.0.1:4444"


def call(path: str, token: str = "", body: dict | None = None,
         method: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(
        HUB + path, data=None if body is None else json.dumps(body).encode(), method=method,
        headers={"Content-Type": "application/json",
                 **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def sign_in(email: str, password: str) -> str:
    status, body = call("/api/auth/login", body={"email": email, "password": password})
    if status != 200:
        raise SystemExit(json.dumps({"error": "sign-in refused", "status": status,
                                     "body": body.decode(errors="replace")}))
    return str(json.loads(body)["token"])


def signin(token: str) -> dict:
    anonymous, _ = call("/status")
    status, body = call("/status", token)
    _, me = call("/api/auth/me", token)
    return {"token": token, "anonymousStatus": anonymous, "status": status,
            "value": json.loads(body)["value"], "me": json.loads(me)["user"]}


class Remote:
    """A W3C session on the hub: new session, a few commands, quit."""

    def __init__(self, token: str, capabilities: dict) -> None:
        self.token = token
        status, body = call("/session", token, {"capabilities": {"alwaysMatch": capabilities}})
        if status != 200:
            raise SystemExit(json.dumps({"error": "new session refused", "status": status,
                                         "body": body.decode(errors="replace")}))
        value = json.loads(body)["value"]
        self.session_id: str = value["sessionId"]
        self.capabilities: dict = value["capabilities"]

    def command(self, path: str, body: dict | None = None) -> object:
        status, answer = call(f"/session/{self.session_id}{path}", self.token, body)
        if status != 200:
            raise RuntimeError(f"{path}: {status} {answer.decode(errors='replace')}")
        return json.loads(answer)["value"]

    def get(self, url: str) -> None:
        self.command("/url", {"url": url})

    @property
    def title(self) -> str:
        return str(self.command("/title"))

    def quit(self) -> None:
        call(f"/session/{self.session_id}", self.token, method="DELETE")


def firefox(token: str) -> dict:
    driver = Remote(token, {"browserName": "firefox"})
    try:
        driver.get("data:text/html,<title>unit</title>")
        return {"title": driver.title, "browserName": driver.capabilities["browserName"]}
    finally:
        driver.quit()


def video(token: str) -> dict:
    """Headed on an Xvfb screen (live view on): Xvfb, x11vnc and the recorder all run."""
    driver = Remote(token, {"browserName": "chrome", "tggrid:options": {
        "enableVideo": True, "enableVNC": True, "name": "systemd unit",
        "screenResolution": "640x480"}})
    try:
        banner = asyncio.run(vnc_banner(str(driver.capabilities.get("se:vnc")), token))
        title = browse(driver, "unit")
    finally:
        driver.quit()
    return {"title": title, "vncBanner": banner, **fetch(token, str(driver.session_id))}


def browse(driver: Remote, title: str) -> str:
    """A few pages, half a second each, so the video has something to show; the last title."""
    for index in range(4):
        driver.get(f"data:text/html,<title>{title}</title><h1 style='font-size:80px'>{index}</h1>")
        time.sleep(0.5)
    return str(driver.title)


def open_session(token: str) -> dict:
    """A recorded session the client never quits: the hub's stop must end it."""
    driver = Remote(token, {"browserName": "chrome", "tggrid:options": {
        "enableVideo": True, "name": "left open", "screenResolution": "640x480"}})
    browse(driver, "open")
    return {"session": driver.session_id}


def fetch(token: str, session: str) -> dict:
    """The session's recording once settled, its video downloaded and probed."""
    deadline = time.monotonic() + 60
    while True:
        _, body = call("/api/recordings", token)
        found = [r for r in json.loads(body)["recordings"] if r["sessionId"] == session]
        if (found and found[0]["status"] != "recording") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    status, data = call(f"/api/sessions/{session}/video", token)
    with open("/tmp/video.mp4", "wb") as file:
        file.write(data)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name:format=duration",
         "-of", "json", "/tmp/video.mp4"], capture_output=True, text=True, check=False)
    return {"session": session, "recording": found, "videoStatus": status,
            "ffprobe": probe.stdout, "probeError": probe.stderr}


async def vnc_banner(url: str, token: str) -> str:
    """The first bytes of the live view's websocket: the VNC server's RFB greeting."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as client, client.ws_connect(url, headers=headers) as ws:
        message = await ws.receive(timeout=30)
        return bytes(message.data[:12]).decode(errors="replace")


def main(email: str, password: str, what: str, *rest: str) -> int:
    token = sign_in(email, password)
    if what == "fetch":
        print(json.dumps(fetch(token, rest[0])))
        return 0
    steps = {"signin": signin, "video": video, "firefox": firefox, "open": open_session}
    print(json.dumps(steps[what](token)))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
