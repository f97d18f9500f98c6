"""Chrome DevTools, WebDriver BiDi and Playwright for sessions in browser containers.

The browser's DevTools (Chromium) and BiDi (Firefox) listen on the container's loopback only;
the images forward them to a published port, and the hub bridges them as for local sessions.
"""

from __future__ import annotations

import time

import docker
import pytest
from playwright.sync_api import sync_playwright
from selenium import webdriver
from selenium.webdriver.common.by import By

from tests.docker.test_docker_node import docker_hub, options_for, session_containers, wait_until
from tests.support.fixtures import HubFactory

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]

PAGE = "data:text/html,<title>hello</title><h1 id='h'>hi</h1>"


@pytest.mark.parametrize("client_port", [None, 9333], ids=["image-port", "client-port"])
def test_devtools_of_a_container_through_se_cdp(
    node_images: dict[str, str], hub_factory: HubFactory, client_port: int | None,
) -> None:
    hub = docker_hub(hub_factory, "--browsers", "chrome")
    options = options_for("chrome")
    if client_port:  # what a suite written for local Chrome may carry along
        options.add_argument(f"--remote-debugging-port={client_port}")
    driver = webdriver.Remote(hub.url, options=options)
    try:
        driver.get(PAGE)
        evaluated = driver.execute_cdp_cmd(
            "Runtime.evaluate", {"expression": "6 * 7", "returnByValue": True})
        with sync_playwright() as pw:
            browser = pw.chromium.connect_over_cdp(driver.caps["se:cdp"], timeout=120_000)
            try:
                (page,) = browser.contexts[0].pages
                seen_by_playwright = page.title()
                page.evaluate("() => { document.title = 'set by playwright' }")
            finally:
                browser.close()
        title, heading = driver.title, driver.find_element(By.ID, "h").text
        ws = hub.url.replace("http://", "ws://")
        se_cdp = driver.caps["se:cdp"]
    finally:
        driver.quit()

    assert se_cdp == f"{ws}/session/{driver.session_id}/se/cdp"
    assert evaluated["result"]["value"] == 42
    assert (seen_by_playwright, title, heading) == ("hello", "set by playwright", "hi")


def test_playwright_endpoint_starts_a_container(
    node_images: dict[str, str], hub_factory: HubFactory, docker_client: docker.DockerClient,
) -> None:
    hub = docker_hub(hub_factory, "--browsers", "chrome")
    with sync_playwright() as pw:
        browser = pw.chromium.connect_over_cdp(
            hub.url.replace("http://", "ws://") + "/cdp", timeout=120_000)
        try:
            page = browser.contexts[0].new_page()
            page.goto(PAGE)
            title = page.title()
            running = len(session_containers(docker_client, hub))
        finally:
            browser.close()

    assert (title, running) == ("hello", 1)
    wait_until(lambda: not session_containers(docker_client, hub), "the container to go")


@pytest.mark.parametrize("name", ["chrome", "firefox"])
def test_bidi_console_messages_from_a_container(
    name: str, node_images: dict[str, str], hub_factory: HubFactory,
) -> None:
    hub = docker_hub(hub_factory, "--browsers", name)
    options = options_for(name)
    options.enable_bidi = True
    driver = webdriver.Remote(hub.url, options=options)
    try:
        web_socket_url = driver.caps["webSocketUrl"]
        messages: list = []
        driver.script.add_console_message_handler(messages.append)
        driver.get("data:text/html,<script>console.log('hello from the container')</script>")
        deadline = time.monotonic() + 30
        while not messages and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        driver.quit()

    ws = hub.url.replace("http://", "ws://")
    assert web_socket_url == f"{ws}/session/{driver.session_id}"
    assert [m.text for m in messages] == ["hello from the container"]
