"""Commands and DevTools messages into steps: names, essentials, masking, merging, paging."""

from __future__ import annotations

import json

from hub.timeline.commands import CommandSummary, command_name, describe
from hub.timeline.devtools import DevtoolsSummary, head, merge
from hub.timeline.masking import MASK, Masker
from hub.timeline.store import StepStore

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def test_w3c_names_from_the_endpoint_table() -> None:
    assert command_name("POST", "/url")[0] == "Navigate To"
    assert command_name("POST", "/element/abc/click") == ("Element Click", {"element": "abc"})
    assert command_name("GET", "/element/abc/attribute/href")[0] == "Get Element Attribute"
    assert command_name("DELETE", "")[0] == "Delete Session"
    assert command_name("GET", "/se/log")[0] == "GET /se/log"


def test_a_failed_click_names_the_locator_that_found_its_element() -> None:
    summary = CommandSummary(Masker())
    found = summary.step("POST", "/element", _json({"using": "css selector", "value": "#buy"}),
                         200, _json({"value": {ELEMENT: "e1"}}))
    assert found["result"] == {"element": "e1"}
    click = summary.step("POST", "/element/e1/click", b"{}", 400, _json({"value": {
        "error": "element click intercepted", "message": "other element would receive"}}))
    assert click["error"] == "element click intercepted"
    assert describe(click) == 'Element Click on css selector "#buy" -> element click intercepted'


def test_typed_text_cookies_and_secret_patterns_are_masked() -> None:
    summary = CommandSummary(Masker(["hunter\\d+"]))
    typed = summary.step("POST", "/element/e1/value", _json({"text": "s3cret-pw"}), 200, b"{}")
    cookie = summary.step("POST", "/cookie", _json({"cookie": {"name": "sid", "value": "abc"}}),
                          200, b"{}")
    cookies = summary.step("GET", "/cookie", None, 200, _json({"value": [
        {"name": "sid", "value": "abc-cookie-value"}]}))
    nav = summary.step("POST", "/url", _json({"url": "https://u:hunter22@x.test/?token=zz9"}),
                       200, b"{}")
    script = summary.step("POST", "/execute/sync", _json({
        "script": "fetch('/x', {headers: {Authorization: 'Bearer eyJh.bG9n'}})", "args": []}),
        200, b'{"value": null}')
    stored = json.dumps([typed, cookie, cookies, nav, script])
    for secret in ("s3cret-pw", "abc-cookie-value", "hunter22", "zz9", '"abc"', "eyJh"):
        assert secret not in stored
    assert typed["params"]["text"] == MASK and cookies["result"] == {"cookies": ["sid"]}


def test_shown_typed_text_still_hides_what_goes_into_password_fields() -> None:
    summary = CommandSummary(Masker(show_typed=True))
    summary.step("POST", "/element", _json({"using": "css selector", "value": "#password"}),
                 200, _json({"value": {ELEMENT: "pw"}}))
    summary.step("POST", "/element", _json({"using": "css selector", "value": "#q"}),
                 200, _json({"value": {ELEMENT: "q"}}))
    assert summary.step("POST", "/element/pw/value", _json({"text": "x1"}), 200,
                        b"{}")["params"]["text"] == MASK
    assert summary.step("POST", "/element/q/value", _json({"text": "cats"}), 200,
                        b"{}")["params"]["text"] == "cats"


def test_a_screenshot_is_a_marker_not_its_bytes() -> None:
    answer = _json({"value": "A" * 100_000})
    step = CommandSummary(Masker()).step("GET", "/screenshot", None, 200, answer)
    assert step["result"] == {"marker": "screenshot", "bytes": len(answer)}
    assert "AAAA" not in json.dumps(step)


def test_devtools_calls_are_kept_noise_is_dropped_and_mouse_moves_merge() -> None:
    cdp = DevtoolsSummary("cdp", Masker())
    steps = []
    for ident, (method, params) in enumerate([
            ("Network.enable", {}), ("Page.navigate", {"url": "https://x.test/"}),
            *[("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": i, "y": i})
              for i in range(30)],
            ("Input.dispatchMouseEvent", {"type": "mousePressed", "x": 1, "y": 1})]):
        cdp.from_client(float(ident), _json({"id": ident, "method": method, "params": params}))
        answer = cdp.from_browser(ident + 0.5, _json({"id": ident, "result": {}}), 20)
        if answer:
            steps.append(answer)
    event = cdp.from_browser(40.0, _json({"method": "Network.requestWillBeSent"}), 30)
    assert event is None
    merged = merge(steps)
    assert [(s["command"], s.get("count", 1)) for s in merged] == [
        ("Page.navigate", 1), ("Input.dispatchMouseEvent", 30), ("Input.dispatchMouseEvent", 1)]
    big = _json({"id": 99, "result": {"data": "B" * 10_000}})
    cdp.from_client(50.0, _json({"id": 99, "method": "Page.captureScreenshot"}))
    shot = cdp.from_browser(51.0, head(big), len(big))
    assert shot is not None and shot["result"]["marker"] == "screenshot"


def test_pages_of_a_long_timeline(tmp_path) -> None:
    store = StepStore(tmp_path)
    store.append("abc", [{"seq": n} for n in range(5000)])
    total, page = store.read("abc", 4990, 50)
    assert total == 5000 and [s["seq"] for s in page] == list(range(4990, 5000))
    assert store.read("abc", 6000, 10) == (5000, [])
    assert store.path("../etc/passwd") is None and store.read("../x", 0, 1) == (0, [])
    store.delete("abc")
    assert store.read("abc", 0, 10) == (0, [])
