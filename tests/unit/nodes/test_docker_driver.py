"""Where a container's DevTools and BiDi websockets are reached from the hub."""

from __future__ import annotations

from hub.nodes.docker_driver import (
    DEVTOOLS_PORT,
    DRIVER_PORT,
    VNC_PORT,
    driver_caps,
    private_endpoints,
)
from hub.w3c.capabilities import SessionOptions

PORTS = {DRIVER_PORT: 32001, VNC_PORT: 32002, DEVTOOLS_PORT: 32003}


def test_chromium_devtools_and_chromedriver_bidi_on_published_ports() -> None:
    returned = {"goog:chromeOptions": {"debuggerAddress": "localhost:9222"},
                "webSocketUrl": "ws://localhost:32001/session/abc"}

    assert private_endpoints(returned, PORTS) == {
        "cdp": "http://127.0.0.1:32003", "bidi": "ws://127.0.0.1:32001/session/abc"}


def test_firefox_bidi_moves_from_the_loopback_port_to_the_forwarded_one() -> None:
    returned = {"webSocketUrl": "ws://127.0.0.1:9222/session/f00"}

    assert private_endpoints(returned, PORTS) == {"bidi": "ws://127.0.0.1:32003/session/f00"}


def test_a_debugging_port_chosen_by_the_client_is_not_forwarded() -> None:
    returned = {"goog:chromeOptions": {"debuggerAddress": "localhost:9333"}}

    assert private_endpoints(returned, PORTS) == {}


def test_the_client_s_debugging_port_gives_way_to_the_forwarded_one() -> None:
    requested = {"browserName": "chrome", "goog:chromeOptions": {
        "args": ["--remote-debugging-port=9333", "--lang=fr"]}}
    options = SessionOptions.from_capabilities(requested)

    args = driver_caps(requested, "chrome", "120", options)["goog:chromeOptions"]["args"]

    assert [a for a in args if a.startswith("--remote-debugging-port")] == [
        "--remote-debugging-port=9222"]
    assert "--lang=fr" in args
