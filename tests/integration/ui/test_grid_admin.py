"""An admin switches the balancer algorithm, sees it in the stats, and drains a node."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.integration.accounts import PASSWORD, cli, new_email, signed_up
from tests.integration.ui.conftest import PageFactory
from tests.integration.ui.dashboard import sign_in, snap
from tests.support.fixtures import HubFactory
from tests.support.hubs import RunningHub


def test_switch_the_algorithm_and_drain_a_node(hub_factory: HubFactory,
                                              new_page: PageFactory) -> None:
    hub = hub_factory("--auth", "on", "--max-sessions", "2")
    admin = new_email("admin")
    cli(hub, "user", "create", admin, "--admin", "--password", PASSWORD)
    user, _ = signed_up(hub, "plain")
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, hub, admin)

    page.get_by_role("link", name="Settings").click()
    expect(page.locator("#algorithm-status")).to_contain_text("In use:")
    page.get_by_label("Algorithm").select_option("least-connections")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator("#algorithm-status")).to_contain_text("In use: least-connections")
    page.get_by_label("Maximum pool size").fill("3")
    page.get_by_label("Cooldown (seconds)").fill("120")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#scaling-status")).to_contain_text("Saved.")
    page.reload()
    expect(page.get_by_label("Maximum pool size")).to_have_value("3")
    expect(page.get_by_label("Cooldown (seconds)")).to_have_value("120")
    snap(page, "settings")

    page.get_by_role("link", name="Nodes").click()
    expect(page.locator("#algorithm")).to_have_text("least-connections")
    node = page.locator("#nodes tbody tr").first
    expect(node.locator("td[data-label='Health']")).to_have_text("UP")
    snap(page, "nodes")
    node.get_by_role("button", name="Drain").click()
    expect(node.locator("td[data-label='Health']")).to_contain_text("DRAINING")
    expect(node.get_by_role("button", name="Drain")).to_have_count(0)
    status, stats = hub.request("GET", "/api/loadbalancer/stats",
                                headers={"Authorization": f"Bearer {_token(hub, admin)}"})
    assert status == 200 and stats["algorithm"] == "least-connections"
    assert [n["availability"] for n in stats["nodes"]] == ["DRAINING"]

    # a plain user sees the nodes but gets no buttons, and no settings page
    other = new_page()
    sign_in(other, hub, user)
    other.goto(hub.url + "/ui/nodes")
    expect(other.locator("#nodes tbody tr").first).to_contain_text("DRAINING")
    expect(other.get_by_role("button", name="Drain")).to_have_count(0)
    expect(other.get_by_role("link", name="Settings")).to_have_count(0)
    answer = other.goto(hub.url + "/ui/settings")
    assert answer is not None and answer.status == 403


def _token(hub: RunningHub, email: str) -> str:
    return cli(hub, "token", "create", email, "--name", "check").strip()
