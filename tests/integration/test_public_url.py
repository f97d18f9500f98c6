"""Every URL the hub hands out is built from its public address, never a node's."""

from __future__ import annotations

import re

import pytest

CAPS = {"capabilities": {"alwaysMatch": {
    "browserName": "chrome", "webSocketUrl": True,
    "tggrid:options": {"enableVNC": True, "screenResolution": "800x600"},
}}}


def handed_out_urls(capabilities: dict) -> dict[str, str]:
    return {key: value for key, value in capabilities.items()
            if key in {"se:cdp", "se:vnc", "webSocketUrl", "tggrid:vncUrl", "tggrid:videoUrl"}}


def test_public_url_is_the_base_of_every_url_keeping_its_sub_path(hub_factory):
    hub = hub_factory("--browsers", "chrome", "--public-url", "https://grid.example.test/tg/")
    status, body = hub.request("POST", "/wd/hub/session", CAPS)
    assert status == 200, body
    session_id = body["value"]["sessionId"]
    urls = handed_out_urls(body["value"]["capabilities"])
    try:
        assert {"se:cdp", "se:vnc", "webSocketUrl", "tggrid:vncUrl"} <= set(urls)
        for key, url in urls.items():
            expected = "https://" if key.startswith("tggrid:") else "wss://"
            assert url.startswith(f"{expected}grid.example.test/tg/"), (key, url)
            assert session_id in url
    finally:
        hub.request("DELETE", f"/session/{session_id}")


def test_without_public_url_urls_follow_the_host_the_client_used(hub_factory):
    hub = hub_factory("--browsers", "chrome")
    status, body = hub.request("POST", "/session", CAPS,
                               headers={"Host": f"localhost:{hub.port}"})
    assert status == 200, body
    session_id = body["value"]["sessionId"]
    try:
        for key, url in handed_out_urls(body["value"]["capabilities"]).items():
            assert f"//localhost:{hub.port}/" in url, (key, url)
    finally:
        hub.request("DELETE", f"/session/{session_id}")


LOOPBACK_PORT = re.compile(r"(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)")


def loopback_ports(value: object) -> list[tuple[str, int]]:
    """Every loopback host:port mentioned anywhere in a capabilities value."""
    if isinstance(value, dict):
        return [found for item in value.values() for found in loopback_ports(item)]
    if isinstance(value, list):
        return [found for item in value for found in loopback_ports(item)]
    return [(str(value), int(port)) for port in LOOPBACK_PORT.findall(str(value))]


@pytest.mark.parametrize("browser", ["chrome", "firefox"])
def test_no_node_private_address_is_handed_out(hub_factory, firefox_available, browser):
    if browser == "firefox" and not firefox_available:
        pytest.skip("Firefox is not installed here")
    hub = hub_factory("--browsers", browser)
    caps = {"capabilities": {"alwaysMatch": {
        **CAPS["capabilities"]["alwaysMatch"], "browserName": browser}}}
    status, body = hub.request("POST", "/session", caps)
    assert status == 200, body
    value = body["value"]
    try:
        handed_out = value["capabilities"]
        assert "debuggerAddress" not in handed_out.get("goog:chromeOptions", {})
        assert handed_out["se:cdp"] if browser == "chrome" else handed_out["webSocketUrl"]
        foreign = [(text, port) for text, port in loopback_ports(handed_out)
                   if port != hub.port]
        assert not foreign, foreign
        _, grid = hub.request("GET", "/status")
        listed = [slot["session"] for node in grid["value"]["nodes"]
                  for slot in node["slots"] if slot["session"]]
        assert [s["sessionId"] for s in listed] == [value["sessionId"]]
        assert not [port for _, port in loopback_ports(listed) if port != hub.port]
    finally:
        hub.request("DELETE", f"/session/{value['sessionId']}")
