"""Selenium on TGGrid: a named, recorded Chrome session; the video is saved after quit().

    python examples/selenium_example.py [HUB_URL]     (TGGRID_TOKEN for a hub with auth on)
"""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.client_config import AuthType, ClientConfig


def download_video(url: str, token: str, target: str, wait: float = 60) -> None:
    """The hub answers 409 while it still finishes the file."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
                with open(target, "wb") as out:
                    out.write(answer.read())
                return
        except urllib.error.HTTPError as error:
            if error.code != 409 or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def main(hub: str, token: str) -> None:
    options = webdriver.ChromeOptions()
    options.set_capability("tggrid:options", {"name": "selenium example", "enableVideo": True})
    config = (ClientConfig(remote_server_addr=hub, auth_type=AuthType.BEARER, token=token)
              if token else None)
    driver = webdriver.Remote(command_executor=hub, options=options, client_config=config)
    try:
        driver.get("data:text/html,<title>TGGrid</title><h1>Hello from the grid</h1>")
        print("title:", driver.title)
        print("heading:", driver.find_element(By.TAG_NAME, "h1").text)
        video_url = driver.capabilities.get("tggrid:videoUrl")
    finally:
        driver.quit()
    if video_url:
        download_video(video_url, token, "selenium-example.mp4")
        print("video: selenium-example.mp4")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:4444",
         os.environ.get("TGGRID_TOKEN", ""))
