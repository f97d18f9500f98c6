"""Every URL the hub hands out is built from its public address, never a node's."""

from __future__ import annotations

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
