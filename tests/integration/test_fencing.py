"""A hub cut off from the database it shares is taken for dead by the others, which fail its
sessions; it fences itself to match: its sessions end (browsers gone), new ones are turned
away with the reason and /status says not ready, until the database answers again."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psutil
import pytest

from tests.integration.scaling.conftest import wait_for
from tests.integration.test_sessions_api import create, wait_for_row
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures
from tests.support.tcp_relay import TcpRelay

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

FLAGS = ("--browsers", "chrome", "--max-sessions", "1",
         "--hub-heartbeat-interval", "1", "--hub-dead-after", "3")
CHROME = {"capabilities": {"alwaysMatch": {"browserName": "chrome"}}}


@pytest.fixture
def relay(postgres_url: str) -> Iterator[TcpRelay]:  # noqa: F811
    relay = TcpRelay(urlsplit(postgres_url).port or 5432)
    yield relay
    relay.close()


def through(relay: TcpRelay, url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[0] + f"@127.0.0.1:{relay.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def browsers(hub: RunningHub) -> set[int]:
    found = set()
    for process in hub.descendants():
        try:
            name = process.name()
        except psutil.Error:
            continue
        if name in {"chromium", "chrome", "chromedriver"}:
            found.add(process.pid)
    return found


def test_a_hub_cut_off_from_its_database_fences_itself_until_it_answers_again(
        hub_factory: HubFactory, postgres_url: str, relay: TcpRelay) -> None:  # noqa: F811
    survivor = hub_factory(*FLAGS, "--database-url", postgres_url, name="survivor")
    cut_off = hub_factory(*FLAGS, "--database-url", through(relay, postgres_url),
                          name="cut-off")
    cut_off_id = cut_off.request("GET", "/api/hubs")[1]["self"]
    session_id = create(cut_off)["sessionId"]
    wait_for_row(survivor, session_id, "running")
    assert browsers(cut_off)

    relay.cut()
    row = wait_for_row(survivor, session_id, "failed")
    assert row["endReason"] == f"hub {cut_off_id} stopped while the session ran"

    def not_ready() -> bool:
        return cut_off.request("GET", "/status")[1]["value"]["ready"] is False

    wait_for(not_ready, what="the cut-off hub fencing itself")
    message = cut_off.request("GET", "/status")[1]["value"]["message"]
    assert "could not reach its database for more than 3 s" in message
    status, health = cut_off.request("GET", "/api/health")
    assert (status, health["status"], health["details"]["hub"]["status"]) == (
        503, "unhealthy", "paused")
    assert health["details"]["hub"]["message"] in message
    status, body = cut_off.request("POST", f"/session/{session_id}/url",
                                   {"url": "data:text/html,<title>late</title>"})
    assert (status, body["value"]["error"]) == (404, "invalid session id")
    assert "could not reach its database" in body["value"]["message"]
    status, body = cut_off.request("POST", "/session", CHROME)
    assert (status, body["value"]["error"]) == (500, "session not created")
    assert "takes no new sessions until the database answers again" in body["value"]["message"]
    wait_for(lambda: not browsers(cut_off), what="the fenced hub's browser and driver exiting")
    assert survivor.request("GET", "/status")[1]["value"]["ready"] is True

    relay.restore()
    wait_for(lambda: not not_ready(), what="the hub taking sessions again")
    assert cut_off.request("GET", "/api/health")[1]["details"]["hub"] == {"status": "up"}
    status, body = cut_off.request("POST", "/session", CHROME, timeout=120)
    assert status == 200, body
    cut_off.request("DELETE", f"/session/{body['value']['sessionId']}")
    hubs = {hub["id"]: hub for hub in survivor.request("GET", "/api/hubs")[1]["items"]}
    assert hubs[cut_off_id]["alive"] is True
