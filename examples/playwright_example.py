"""Playwright on TGGrid: ``connect_over_cdp`` to the hub's ``/cdp`` gives a fresh Chromium.

    python examples/playwright_example.py [HUB_URL]   (TGGRID_TOKEN for a hub with auth on)

Session options travel as query parameters (name, enableVideo, enableVNC, ...).
"""

from __future__ import annotations

import os
import sys
import urllib.parse

from playwright.sync_api import sync_playwright


def main(hub: str, token: str) -> None:
    query = urllib.parse.urlencode({"name": "playwright example", "enableVideo": "true"})
    endpoint = f"{'ws' + hub.removeprefix('http')}/cdp?{query}"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(endpoint, headers=headers)
        page = browser.contexts[0].new_page() if browser.contexts else browser.new_page()
        page.set_content("<title>TGGrid</title><h1>Hello from the grid</h1>")
        print("title:", page.title())
        print("heading:", page.inner_text("h1"))
        print("browser:", browser.version)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:4444",
         os.environ.get("TGGRID_TOKEN", ""))
