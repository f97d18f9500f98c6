"""Schemathesis over every operation of /api/openapi.json, against a real hub with auth on.

For each operation it sends schema-valid (positive) and schema-breaking (negative) requests,
``TGGRID_FUZZ_EXAMPLES`` of each (default 8; derandomized, so CI runs the same cases), and
checks: no 5xx, the status, content type and body are what the document says, negative data
is refused, no answer carries a traceback or a server path, every answer names its request
id, and a refused change leaves the stored state (tokens, users, nodes, settings, sessions)
as it was. Operations that would lock the fuzzer out get fixed parts: the user it edits is a
victim account, the token it revokes or signs out with is a throwaway one, and a relay node
it adds points at a closed loopback port.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any
from urllib.parse import quote

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.accounts import cli
from tests.support.hubs import free_port
from tests.support.secured_hub import SecuredHub

pytestmark = pytest.mark.slow
EXAMPLES = int(os.environ.get("TGGRID_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]
LEAKS = ("Traceback", 'File "/', "site-packages", "/hub/", ".py\"")
MUTATING = {"POST", "PATCH", "DELETE", "PUT"}


def state(fuzz: SecuredHub) -> dict[str, Any]:
    """What a refused request must not change."""
    hub, admin = fuzz.hub, fuzz.admin
    found = {}
    for path, key in (("/api/tokens", "items"), ("/api/users", "items"),
                      ("/api/sessions", "items"), ("/api/recordings", "recordings")):
        status, body = hub.request("GET", path, headers=admin)
        assert status == 200, (path, body)
        # a token's lastUsedAt moves with the fuzzer's own requests, refused or not
        found[path] = sorted(str({k: v for k, v in item.items() if k != "lastUsedAt"}
                                 if isinstance(item, dict) else item) for item in body[key])
    nodes = hub.request("GET", "/api/nodes", headers=admin)[1]["nodes"]
    found["nodes"] = sorted((node["id"], node["availability"] == "DRAINING") for node in nodes)
    found["scaling"] = hub.request("GET", "/api/config/auto-scaling", headers=admin)[1]["config"]
    found["algorithm"] = hub.request("GET", "/api/loadbalancer/stats",
                                     headers=admin)[1]["algorithm"]
    return found


def throwaway_token(fuzz: SecuredHub) -> tuple[int, str]:
    """A token of the admin's made from the shell: the fuzzer's wrong passwords may have locked
    the admin out of anything that asks for the password (as a real attacker would)."""
    token = cli(fuzz.hub, "token", "create", fuzz.admin_email, "--name", "fuzz").strip()
    status, body = fuzz.hub.request("GET", "/api/tokens", headers=fuzz.admin)
    assert status == 200, body
    (made,) = [item for item in body["items"] if token.startswith(item["prefix"])]
    return made["id"], token


def fixed_parts(fuzz: SecuredHub, method: str, path: str) -> dict[str, Any]:
    if path == "/api/users/{user_id}":
        return {"path_parameters": {"user_id": fuzz.user_id}}
    if path == "/api/tokens/{token_id}":
        return {"path_parameters": {"token_id": throwaway_token(fuzz)[0]}}
    return {}


def closed_loopback(case: schemathesis.Case) -> schemathesis.Case:
    """A relay node the fuzzer adds must not send traffic anywhere but to a closed port; a URL
    the schema refuses (not a string, too long) is left as generated: it never gets that far."""
    url = case.body.get("url") if isinstance(case.body, dict) else None
    if isinstance(url, str) and 0 < len(url) <= 2048:
        case.body["url"] = f"http://127.0.0.1:{free_port()}/"
    return case


def remove_relays(fuzz: SecuredHub) -> None:
    """Relay nodes the fuzzer added (they would offer browsers no one can start)."""
    for node in fuzz.hub.request("GET", "/api/nodes", headers=fuzz.admin)[1]["nodes"]:
        if node["kind"] == "relay":
            status, body = fuzz.hub.request("DELETE", f"/api/nodes/{quote(node['id'], safe='')}",
                                            headers=fuzz.admin)
            assert status == 204, body


def explain(error: BaseException) -> str:
    """The failure, with the first failure inside a Hypothesis 'flaky' report."""
    text = str(error)
    for inner in getattr(error, "exceptions", ())[:1]:
        text += f"\n  first failure: {explain(inner)}"
    return text


def leaks(response: schemathesis.Response) -> list[str]:
    text = response.text or ""
    return [word for word in LEAKS if word in text]


def fuzz(secured_hub: SecuredHub, session: requests.Session, operation: Any, mode: GenerationMode,
         counts: Counter[str]) -> None:
    """Send ``EXAMPLES`` generated requests for one operation; raise on the first failure."""
    hub = secured_hub.hub
    method, path = operation.method.upper(), operation.path
    strategy = operation.as_strategy(generation_mode=mode, **fixed_parts(secured_hub, method, path))
    if path == "/api/nodes" and method == "POST":
        strategy = strategy.map(closed_loopback)
    check_state = method in MUTATING and mode is GenerationMode.NEGATIVE

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        headers = dict(secured_hub.admin)
        if path == "/api/auth/logout":
            headers = {"Authorization": f"Bearer {throwaway_token(secured_hub)[1]}"}
        before = state(secured_hub) if check_state else None
        try:
            response = case.call(base_url=hub.url, session=session, headers=headers, timeout=60)
        finally:
            if path == "/api/nodes" and method == "POST":
                remove_relays(secured_hub)
        counts[f"{method} {path}"] += 1
        case.validate_response(response, checks=CHECKS)
        assert not leaks(response), (response.status_code, response.text[:500])
        assert response.headers.get("x-request-id"), "no X-Request-Id"
        if before is not None and 400 <= response.status_code < 500:
            assert state(secured_hub) == before, f"{method} {path} refused but stored"

    run()


def test_every_api_operation_survives_generated_input(secured_hub: SecuredHub) -> None:
    schema = schemathesis.openapi.from_url(secured_hub.hub.url + "/api/openapi.json")
    session = requests.Session()
    counts: Counter[str] = Counter()
    failures: list[str] = []
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz(secured_hub, session, operation, mode, counts)
            except Unsatisfiable:  # nothing to break: no parameters and no body
                assert mode is GenerationMode.NEGATIVE
            except (Exception, BaseExceptionGroup) as error:  # collect all, then fail once
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): "
                                f"{explain(error)}"[:3000])
    elapsed = time.monotonic() - started
    print(f"\nfuzzed {len(operations)} operations, {sum(counts.values())} requests "
          f"in {elapsed:.0f} s")
    assert len(operations) >= 30
    assert not failures, "\n\n".join(failures)
    assert secured_hub.hub.descendants() == []
