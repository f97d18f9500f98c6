"""Which browsers the grid serves, asked from the hub's ``/status``, and which of them each
client can drive, so a test gets the engine it names or a clear error, never a substitute.

Selenium drives every ``browserName`` a node offers. Playwright attaches to a browser it did
not launch only over CDP (``connect_over_cdp``, Chromium); Firefox over BiDi and WebKit are
launch-only in Playwright, so the grid serves them to Selenium (``tggrid_driver``) only.
"""

from __future__ import annotations

from pytest_tggrid.hub import HubClient, HubError

# Playwright engine -> the grid's browserNames it attaches to over the hub's /cdp.
PLAYWRIGHT_OVER_CDP: dict[str, tuple[str, ...]] = {"chromium": ("chrome", "chromium")}


def offered(client: HubClient) -> list[str]:
    """The browserNames the hub's nodes offer now (empty when the hub cannot say)."""
    try:
        nodes = client.status().get("nodes", [])
    except (HubError, AttributeError, TypeError):
        return []
    names = {str(slot.get("stereotype", {}).get("browserName")) for node in nodes
             for slot in node.get("slots", []) if slot.get("stereotype", {}).get("browserName")}
    return sorted(names)


def _offer_text(offers: list[str]) -> str:
    if not offers:
        return "the hub lists no browsers in /status"
    engines = [engine for engine, names in PLAYWRIGHT_OVER_CDP.items()
               if any(name in offers for name in names)]
    return (f"the grid offers Selenium (tggrid_driver): {', '.join(offers)}; "
            f"Playwright: {', '.join(engines) or 'none'}")


def selenium_problem(browser: str, offers: list[str]) -> str | None:
    """Why a Selenium session of ``browser`` cannot be served, or None when it can."""
    if not offers or browser in offers:
        return None
    return f"tggrid: the grid has no {browser!r} browser; {_offer_text(offers)}"


def playwright_problem(engine: str, offers: list[str]) -> str | None:
    """Why Playwright cannot get ``engine`` from the grid, or None when it can."""
    names = PLAYWRIGHT_OVER_CDP.get(engine)
    if names is None:
        return (f"tggrid: Playwright cannot run {engine!r} on the grid: it attaches to a "
                f"browser it did not launch only over CDP (Chromium); {_offer_text(offers)}")
    if offers and not any(name in offers for name in names):
        return f"tggrid: the grid has no browser for Playwright's {engine}; {_offer_text(offers)}"
    return None


def playwright_engine(grid_browser: str) -> str:
    """The Playwright engine of a --tggrid-browser name (``chrome`` -> ``chromium``)."""
    for engine, names in PLAYWRIGHT_OVER_CDP.items():
        if grid_browser in names:
            return engine
    return grid_browser
