"""A small suite for ``pytest examples/pytest_suite --tggrid``: Selenium and Playwright on the
grid. ``test_checkout_total`` fails on purpose, so its video and screenshot are kept."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By

SHOP = """data:text/html,<title>Shop</title><h1>Basket</h1>
<ul><li class=item>Tea 3</li><li class=item>Cake 4</li></ul><p id=total>Total: 7</p>"""


def test_basket_lists_items(tggrid_driver: Any) -> None:
    tggrid_driver.get(SHOP)
    items = [e.text for e in tggrid_driver.find_elements(By.CLASS_NAME, "item")]
    assert items == ["Tea 3", "Cake 4"]


def test_checkout_total(tggrid_driver: Any) -> None:
    """Fails on purpose: the report shows its video, screenshot and session."""
    tggrid_driver.get(SHOP)
    assert tggrid_driver.find_element(By.ID, "total").text == "Total: 8"


@pytest.mark.tggrid_capabilities(**{"tggrid:options": {"screenResolution": "1280x720"}})
def test_heading_with_playwright(tggrid_page: Any) -> None:
    tggrid_page.set_content("<h1>Basket</h1>")
    assert tggrid_page.inner_text("h1") == "Basket"
