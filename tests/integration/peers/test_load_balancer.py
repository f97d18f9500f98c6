"""Three hubs on one PostgreSQL behind a real HAProxy (round-robin per request, no
stickiness, health-checked on /api/health): Selenium and Playwright clients that know only
the balancer's address work whichever hub each request reaches; a hub killed with SIGKILL
fails its own sessions with a clear error while the others carry on and new sessions start."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from selenium import webdriver
from selenium.common.exceptions import InvalidSessionIdException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.client_config import ClientConfig

from hub.peers.ids import route_key
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub, free_port
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
FLAGS = ("--browsers", "chrome", "--max-sessions", "5", "--hub-heartbeat-interval", "2",
         "--hub-dead-after", "20")  # a loaded machine must not make a hub fence itself
SHOP = """data:text/html,<title>Shop</title><h1>Basket</h1>
<ul><li class=item>Tea 3</li><li class=item>Cake 4</li></ul><p id=total>Total: 7</p>"""


class Balancer:
    """An haproxy process of this test's own, on a free loopback port."""

    def __init__(self, directory: Path, hubs: list[RunningHub]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        servers = "\n".join(f"  server hub{index} 127.0.0.1:{hub.port} check inter 500ms "
                            "fall 3 rise 1" for index, hub in enumerate(hubs))
        config = directory / "haproxy.cfg"
        config.write_text(f"""
defaults
  mode http
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  timeout tunnel 1h
  timeout check 10s
  retries 2
  option redispatch
  option http-server-close
frontend grid
  bind 127.0.0.1:{self.port}
  default_backend hubs
backend hubs
  balance roundrobin
  http-reuse never
  option httpchk GET /api/health
{servers}
""")
        self.log = open(directory / "haproxy.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen([HAPROXY, "-db", "-f", str(config)],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not all(self.up(hub) for hub in hubs):  # every hub passed its health checks
            assert self.process.poll() is None, (directory / "haproxy.log").read_text()
            assert time.monotonic() < deadline, "haproxy never saw the hubs up"
            time.sleep(0.2)

    def up(self, hub: RunningHub) -> bool:
        status, _ = hub.request("GET", "/api/health")
        return status == 200 and time.sleep(0.6) is None  # rise 1 x 500 ms

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.log.close()


@pytest.fixture
def grid(hub_factory: HubFactory, postgres_url: str,  # noqa: F811
         tmp_path: Path) -> Iterator[tuple[Balancer, list[RunningHub]]]:
    with ThreadPoolExecutor(3) as starting:  # each start waits for its hub to answer
        hubs = list(starting.map(lambda i: hub_factory(*FLAGS, "--database-url", postgres_url,
                                                       name=f"hub{i}"), range(3)))
    balancer = Balancer(tmp_path, hubs)
    yield balancer, hubs
    balancer.stop()


def selenium_session(url: str) -> webdriver.Remote:
    options = webdriver.ChromeOptions()
    options.add_argument("--headless=new")
    return webdriver.Remote(command_executor=url, options=options,
                            client_config=ClientConfig(remote_server_addr=url, timeout=180))


def selenium_example(url: str) -> str:
    """The example suite's basket test, every command through the balancer."""
    driver = selenium_session(url)
    try:
        driver.get(SHOP)
        items = [e.text for e in driver.find_elements(By.CLASS_NAME, "item")]
        assert items == ["Tea 3", "Cake 4"]
        assert driver.find_element(By.ID, "total").text == "Total: 7"
        assert driver.title == "Shop"
        return driver.session_id
    finally:
        driver.quit()


def playwright_example(url: str) -> str:
    """The example suite's Playwright test over ``/cdp``."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp("ws" + url.removeprefix("http") + "/cdp")
        try:
            page = browser.contexts[0].new_page() if browser.contexts else browser.new_page()
            page.set_content("<title>TGGrid</title><h1>Basket</h1>")
            assert page.inner_text("h1") == "Basket"
            return page.title()
        finally:
            browser.close()


def test_hubs_behind_haproxy_share_the_load_and_survive_a_killed_hub(grid) -> None:
    balancer, hubs = grid
    keys = {route_key(hub.request("GET", "/api/hubs")[1]["self"]): hub for hub in hubs}
    with ThreadPoolExecutor(13) as pool:
        runs = [pool.submit(selenium_example, balancer.url) for _ in range(10)]
        runs += [pool.submit(playwright_example, balancer.url) for _ in range(3)]
        results = [run.result(timeout=240) for run in runs]
    owners = {keys[session_id[-10:]] for session_id in results[:10]}
    assert len(owners) >= 2, "round-robin spread the sessions over the hubs"
    assert results[10:] == ["TGGrid"] * 3

    # mid-run: sessions open on every hub, one hub dies
    drivers = [selenium_session(balancer.url) for _ in range(6)]
    victim, victim_key = None, "-"
    try:
        by_hub = {key: [d for d in drivers if d.session_id.endswith(key)] for key in keys}
        victim_key = max(by_hub, key=lambda key: len(by_hub[key]))
        victim = keys[victim_key]
        victim_id = victim.request("GET", "/api/hubs")[1]["self"]
        victim.stop(signal.SIGKILL)
        for driver in drivers:
            if driver.session_id.endswith(victim_key):
                with pytest.raises(InvalidSessionIdException) as lost:
                    driver.get(SHOP)
                assert f"session {driver.session_id} has ended" in lost.value.msg
                assert victim_id in lost.value.msg, lost.value.msg
            else:
                driver.get(SHOP)
                assert driver.title == "Shop", "the other hubs' sessions carry on"
        with ThreadPoolExecutor(3) as pool:  # new sessions keep starting
            fresh = list(pool.map(selenium_example, [balancer.url] * 3))
        assert not any(session_id.endswith(victim_key) for session_id in fresh)
    finally:
        for driver in drivers:
            if not driver.session_id.endswith(victim_key):
                driver.quit()
        if victim is not None:
            victim.reap_after_kill()
