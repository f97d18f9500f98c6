"""Watching a live session: RFB over the hub's websocket, the viewer page, cleanup."""

from __future__ import annotations

import asyncio
import struct
import time
from pathlib import Path

import aiohttp
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.integration.media.conftest import (
    HEIGHT,
    WIDTH,
    fetch,
    media_processes,
    open_session,
    quit_quietly,
    show,
)


class Rfb:
    """Just enough of an RFB 3.8 client to see the screen."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.buffer = bytearray()

    async def read(self, size: int) -> bytes:
        while len(self.buffer) < size:
            message = await self.ws.receive(timeout=60)
            assert message.type is aiohttp.WSMsgType.BINARY, message
            self.buffer += message.data
        data, self.buffer = bytes(self.buffer[:size]), self.buffer[size:]
        return data

    async def handshake(self) -> tuple[int, int, bytes]:
        """Version, security None, init; returns width, height and the pixel format."""
        banner = await self.read(12)
        assert banner.startswith(b"RFB 003.00"), banner
        await self.ws.send_bytes(b"RFB 003.008\n")
        (count,) = struct.unpack("!B", await self.read(1))
        assert 1 in await self.read(count)  # security type None
        await self.ws.send_bytes(b"\x01")
        assert struct.unpack("!I", await self.read(4)) == (0,)
        await self.ws.send_bytes(b"\x01")  # shared
        width, height = struct.unpack("!HH", await self.read(4))
        pixel_format = await self.read(16)
        (name_length,) = struct.unpack("!I", await self.read(4))
        await self.read(name_length)
        return width, height, pixel_format

    async def full_update(self, width: int, height: int, pixel_format: bytes
                          ) -> dict[tuple[int, int], tuple[int, int, int]]:
        """Ask for the whole screen (raw encoding); returns the colour of every 16th pixel."""
        bpp, _, big_endian, _, r_max, g_max, b_max, r_sh, g_sh, b_sh = struct.unpack(
            "!BBBBHHHBBB", pixel_format[:13])
        size = bpp // 8
        await self.ws.send_bytes(struct.pack("!BBHHHH", 3, 0, 0, 0, width, height))
        covered, samples = 0, {}
        while covered < width * height:
            kind, _, rects = struct.unpack("!BBH", await self.read(4))
            assert kind == 0, kind  # FramebufferUpdate
            for _ in range(rects):
                x, y, w, h, encoding = struct.unpack("!HHHHi", await self.read(12))
                assert encoding == 0, encoding
                assert x + w <= width and y + h <= height
                pixels = await self.read(w * h * size)
                covered += w * h
                for py in range(y - y % 16 + 16 if y % 16 else y, y + h, 16):
                    for px in range(x - x % 16 + 16 if x % 16 else x, x + w, 16):
                        start = ((py - y) * w + (px - x)) * size
                        value = int.from_bytes(pixels[start:start + size],
                                               "big" if big_endian else "little")
                        samples[(px, py)] = ((value >> r_sh & r_max) * 255 // r_max,
                                             (value >> g_sh & g_max) * 255 // g_max,
                                             (value >> b_sh & b_max) * 255 // b_max)
        assert covered == width * height
        return samples


def _display_number(hub) -> int:
    for process in hub.descendants():
        if process.name() == "Xvfb":
            return int(process.cmdline()[1].lstrip(":"))
    raise AssertionError("no Xvfb running for the session")


@pytest.mark.parametrize("surface", ["se:vnc", "api"])
async def test_rfb_through_the_hub_shows_the_screen(media_hub, surface):
    driver = await asyncio.to_thread(open_session, media_hub, enableVNC=True)
    try:
        caps = driver.capabilities
        assert caps["se:vncEnabled"] is True
        assert caps["se:vnc"] == f"ws://127.0.0.1:{media_hub.port}/session/" \
                                 f"{driver.session_id}/se/vnc"
        assert caps["tggrid:vncUrl"] == f"{media_hub.url}/ui/sessions/{driver.session_id}/live"
        url = caps["se:vnc"] if surface == "se:vnc" else (
            f"{media_hub.url}/api/sessions/{driver.session_id}/vnc")
        await asyncio.to_thread(show, driver, "lime")
        async with aiohttp.ClientSession() as client, client.ws_connect(
                url, protocols=("binary",)) as ws:
            assert ws.protocol == "binary"
            rfb = Rfb(ws)
            width, height, pixel_format = await rfb.handshake()
            assert (width, height) == (WIDTH, HEIGHT)
            for _ in range(20):  # x11vnc polls the screen: the page shows up soon
                samples = await rfb.full_update(width, height, pixel_format)
                if samples[(320, 400)] == (0, 255, 0):
                    break
                await asyncio.sleep(0.5)
            assert samples[(320, 400)] == (0, 255, 0)
            await asyncio.to_thread(driver.quit)
            message = await ws.receive(timeout=60)
            assert message.type in {aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED}
    finally:
        await asyncio.to_thread(quit_quietly, driver)


async def test_session_without_vnc_has_no_socket(media_hub):
    driver = await asyncio.to_thread(open_session, media_hub)
    try:
        assert "se:vnc" not in driver.capabilities
        async with aiohttp.ClientSession() as client:
            for path in (f"/api/sessions/{driver.session_id}/vnc",
                         f"/session/{driver.session_id}/se/vnc"):
                with pytest.raises(aiohttp.WSServerHandshakeError) as raised:
                    await client.ws_connect(media_hub.url + path)
                assert raised.value.status == 404
    finally:
        await asyncio.to_thread(quit_quietly, driver)


def test_viewer_page_connects_with_novnc_and_everything_is_cleaned_up(media_hub):
    watched = open_session(media_hub, enableVNC=True, enableVideo=True)
    number = _display_number(media_hub)
    viewer = open_session(media_hub)  # headless: the person watching
    try:
        show(watched, "blue")
        assert fetch(f"{media_hub.url}/ui/novnc/core/rfb.js")[0] == 200
        status_code, headers, page = fetch(watched.capabilities["tggrid:vncUrl"])
        # the page runs under a policy with no inline code: the browser below proves that
        # the viewer works with it enforced
        assert status_code == 200 and "script-src 'self';" in headers["Content-Security-Policy"]
        assert b"<script type=\"module\" src=" in page
        viewer.get(watched.capabilities["tggrid:vncUrl"])
        status = WebDriverWait(viewer, 60).until(
            lambda d: d.find_element(By.ID, "status").text.startswith("live") and
            d.find_element(By.ID, "status"))
        assert watched.session_id in status.text
        assert viewer.execute_script("return document.querySelector('#screen canvas') !== null")
        watched.quit()
        WebDriverWait(viewer, 60).until(
            lambda d: d.find_element(By.ID, "status").text == "the session has ended")
    finally:
        quit_quietly(watched)
        quit_quietly(viewer)
    deadline = time.monotonic() + 30
    while media_processes(media_hub) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert media_processes(media_hub) == []
    assert not Path(f"/tmp/.X{number}-lock").exists()
    assert not Path(f"/tmp/.X11-unix/X{number}").exists()
