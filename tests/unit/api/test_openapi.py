"""hub/api/openapi.py: the document covers exactly the /api routes the hub has, agrees with
what auth lets through, is valid OpenAPI 3.1, and docs/api.md is its current rendering."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from aiohttp import web

from hub.api.openapi import build, markdown
from hub.app import create_app
from hub.auth.middleware import is_public
from hub.config import Settings
from hub.keys import PUBLIC_PATHS

DOCS = Path(__file__).parents[3] / "docs" / "api.md"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> web.Application:
    return create_app(Settings(data_dir=str(tmp_path_factory.mktemp("openapi"))))


@pytest.fixture(scope="module")
def document(app: web.Application) -> dict[str, Any]:
    return build(app)


def router_api_routes(app: web.Application) -> set[tuple[str, str]]:
    """Walk the router itself: every (method, path) under /api but the HEAD beside a GET."""
    found = set()
    for resource in app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter") or ""
        if not path.startswith("/api"):
            continue
        for route in resource:
            if route.method != "HEAD":
                found.add((route.method, path))
    return found


def test_every_api_route_is_documented_and_nothing_else(app, document) -> None:
    documented = {(method.upper(), path) for path, methods in document["paths"].items()
                  for method in methods}
    assert documented == router_api_routes(app)
    assert len(documented) >= 35


def test_a_route_without_a_declared_contract_fails_the_build(tmp_path) -> None:
    app = create_app(Settings(data_dir=str(tmp_path)))

    async def undeclared(request: web.Request) -> web.Response:
        return web.Response()

    app.router.add_get("/api/undeclared", undeclared)
    with pytest.raises(LookupError, match="GET /api/undeclared"):
        build(app)


def test_public_operations_are_exactly_what_auth_lets_through(app, document) -> None:
    for path, methods in document["paths"].items():
        concrete = re.sub(r"{\w+}", "x", path)
        for method, entry in methods.items():
            public = entry["security"] == [{}]
            assert public == is_public(concrete, app[PUBLIC_PATHS]), (method, path)
            assert public or "401" in entry["responses"], (method, path)


def test_every_error_answer_has_the_error_shape(document) -> None:
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "message"}
    for path, methods in document["paths"].items():
        for method, entry in methods.items():
            for status, answer in entry["responses"].items():
                if int(status) >= 400 and "content" in answer and path != "/api/health":
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path)


def test_document_is_valid_openapi_3_1_with_three_security_schemes(document) -> None:
    assert document["openapi"] == "3.1.0"
    assert set(document["components"]["securitySchemes"]) == {"bearer", "basic", "cookie"}
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(methods) for methods in document["paths"].values())


def test_bodies_carry_the_bounds_the_handlers_rely_on(document) -> None:
    schemas = document["components"]["schemas"]
    scaling = schemas["AutoScaling"]["properties"]
    up = scaling["scaleUpThreshold"]
    assert (up["minimum"], up["maximum"]) == (0, 100)
    assert schemas["AutoScaling"]["additionalProperties"] is False
    assert set(schemas["Register"]["required"]) == {"email", "password"}


def test_docs_api_md_is_current(document) -> None:
    assert DOCS.read_text() == markdown(document), (
        "docs/api.md is stale: run `python -m hub.api_docs > docs/api.md`")
