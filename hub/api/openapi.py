"""The OpenAPI 3.1 document of /api, built from the app's router and the handlers' declared
contracts (hub/api/contract.py), served at ``/api/openapi.json`` and rendered as
docs/api.md by ``python -m hub.api_docs`` (outside this package: it builds a whole app).

The router is the truth about which routes exist; each handler's ``@operation`` about what it
takes and answers; pydantic turns the models into JSON Schema (2020-12, what 3.1 uses).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from hub import __version__
from hub.api import schemas
from hub.api.common import json_response
from hub.api.contract import Answer, Operation, declared, operation

PATH = "/api/openapi.json"
REF = "#/components/schemas/{model}"
log = logging.getLogger(__name__)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "an API token (`tggrid token create`, POST /api/tokens) or the "
                              "token POST /api/auth/login answers"},
    "basic": {"type": "http", "scheme": "basic",
              "description": "user = email, password = an API token (what Selenium sends "
                             "for http://EMAIL:TOKEN@host/wd/hub)"},
    "cookie": {"type": "apiKey", "in": "cookie", "name": "tggrid_token",
               "description": "set by POST /api/auth/login and the dashboard's sign-in"},
}
Mode = Literal["validation", "serialization"]  # which side of a model pydantic describes
SIGNED_IN: list[dict[str, list[str]]] = [{"bearer": []}, {"basic": []}, {"cookie": []}]
INTRO = (
    "The JSON API of a TGGrid hub. With `auth = on` every operation but the public ones "
    "needs credentials (any of the security schemes); with auth off nobody is turned away "
    "and credentials, when sent, still name the caller. Every failure answers "
    "`{\"error\", \"message\"}` with a 4xx status (a 500 carries `requestId` too, also sent "
    "as the `X-Request-Id` header of every answer, which names the hub's log lines)."
)


def api_routes(app: web.Application) -> list[tuple[str, str, Any]]:
    """(method, path, handler) of every route under /api; HEAD beside GET is implied."""
    found = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if path and (path == "/api" or path.startswith("/api/")) and route.method in METHODS:
            found.append((route.method, path, route.handler))
    return found


def _path_parameters(path: str, op: Operation) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True,
             "schema": op.path_schemas.get(name, {"type": "string", "maxLength": 255})}
            for name in re.findall(r"{(\w+)}", path)]


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        prop.pop("title", None)
        description = prop.pop("description", None)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _content(answer: Answer, refs: dict[Any, dict[str, Any]]) -> dict[str, Any] | None:
    if answer.schema is None:
        return None
    if isinstance(answer.schema, dict):
        return {answer.content_type: {"schema": answer.schema}}
    return {answer.content_type: {"schema": refs[(answer.schema, "serialization")]}}


UNDECLARED = Operation(summary="Not described yet", tag="undescribed", answers={
    200: Answer("see the handler", {})})


def build(app: web.Application, *, strict: bool = True) -> dict[str, Any]:
    """The whole document. A route under /api without ``@operation`` raises (the tests build
    strictly); a running hub lists it as undescribed and logs it instead of refusing to
    start."""
    routes = api_routes(app)
    missing = [f"{m} {p}" for m, p, h in routes if declared(h) is None]
    if missing and strict:
        raise LookupError(f"/api routes without @operation: {', '.join(missing)}")
    if missing:
        log.warning("openapi.undescribed routes=%s", ",".join(missing))
    models: set[tuple[type[BaseModel], Mode]] = {(schemas.Error, "serialization")}
    for _, _, handler in routes:
        op = declared(handler) or UNDECLARED
        if op.body is not None:
            models.add((op.body, "validation"))
        models.update((a.schema, "serialization") for a in op.answers.values()
                      if isinstance(a.schema, type))
    ordered = sorted(models, key=lambda m: (m[0].__name__, m[1]))
    refs, definitions = models_json_schema(ordered, ref_template=REF)
    error = {"description": "an error", "content": {
        "application/json": {"schema": refs[(schemas.Error, "serialization")]}}}
    paths: dict[str, dict[str, Any]] = {}
    for method, path, handler in sorted(routes, key=lambda r: (r[1], METHODS.index(r[0]))):
        op = declared(handler) or UNDECLARED
        entry: dict[str, Any] = {
            "operationId": f"{method.lower()}{re.sub(r'[^A-Za-z0-9]+', '_', path)}",
            "summary": op.summary, "tags": [op.tag],
            "security": [{}] if op.public else SIGNED_IN,
        }
        if op.description:
            entry["description"] = op.description
        parameters = _path_parameters(path, op)
        if op.query is not None:
            parameters += _query_parameters(op.query)
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = {"required": op.body_required, "content": {
                "application/json": {"schema": refs[(op.body, "validation")]}}}
        responses: dict[str, Any] = {}
        statuses = dict(op.answers)
        if op.body is not None or op.query is not None or parameters:
            statuses.setdefault(400, Answer("the request is malformed", schemas.Error))
        if op.body is not None:  # the request guard's answers (hub/security/guard.py)
            statuses.setdefault(413, Answer("the body is larger than the hub takes",
                                            schemas.Error))
            statuses.setdefault(415, Answer("the body is not application/json", schemas.Error))
        if not op.public:
            statuses.setdefault(401, Answer("no, bad, revoked or expired credentials",
                                            schemas.Error))
        for status in sorted(statuses):
            answer = statuses[status]
            if answer.schema is schemas.Error:
                responses[str(status)] = {**error, "description": answer.description}
                continue
            responses[str(status)] = {"description": answer.description}
            content = _content(answer, refs)
            if content:
                responses[str(status)]["content"] = content
        entry["responses"] = responses
        paths.setdefault(path, {})[method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "TGGrid hub API", "version": __version__, "description": INTRO},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": definitions.get("$defs", {}),
                       "securitySchemes": SECURITY_SCHEMES},
    }


@operation("This document", tag="meta", public=True, answers={
    200: Answer("the OpenAPI 3.1 document of /api", {"type": "object"})})
async def openapi_json(request: web.Request) -> web.Response:
    return json_response(request.app[DOCUMENT])


DOCUMENT = web.AppKey("openapi_document", dict)


async def _build_on_startup(app: web.Application) -> None:
    app[DOCUMENT] = build(app, strict=False)


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, openapi_json)
    app.on_startup.append(_build_on_startup)


# -- docs/api.md -----------------------------------------------------------------------------

def _type_of(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type_of(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " / ".join(json.dumps(v) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_type_of(schema.get('items', {}))}"
    bounds = [f"{word} {schema[key]}" for key, word in (
        ("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="),
        ("minLength", "length >="), ("maxLength", "length <="), ("pattern", "matching"))
        if key in schema]
    return kind + (f" ({', '.join(bounds)})" if bounds else "")


def _fields(schema: dict[str, Any]) -> list[str]:
    required = set(schema.get("required", []))
    lines = ["| field | type | required | meaning |", "| --- | --- | --- | --- |"]
    for name, prop in schema.get("properties", {}).items():
        lines.append(f"| `{name}` | {_type_of(prop)} | {'yes' if name in required else ''} | "
                     f"{prop.get('description', '')} |")
    return lines


def markdown(document: dict[str, Any]) -> str:
    """docs/api.md: every operation, then every schema."""
    out = ["# The /api reference", "",
           "Generated from the hub's code by `python -m hub.api_docs > docs/api.md`; the "
           "same document is served at `/api/openapi.json` (OpenAPI 3.1). Do not edit by "
           "hand: a test checks this file is current.", "", document["info"]["description"],
           "", "Security schemes: " + "; ".join(
               f"`{name}` ({scheme['description']})"
               for name, scheme in document["components"]["securitySchemes"].items()) + ".",
           ""]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, methods in document["paths"].items():
        for method, entry in methods.items():
            by_tag.setdefault(entry["tags"][0], []).append((method.upper(), path, entry))
    for tag in sorted(by_tag):
        out += [f"## {tag}", ""]
        for method, path, entry in by_tag[tag]:
            out += [f"### `{method} {path}`", "", entry["summary"] + "."
                    + (" Public." if entry["security"] == [{}] else ""), ""]
            if entry.get("description"):
                out += [entry["description"], ""]
            if entry.get("parameters"):
                out += ["| parameter | in | type | required | meaning |",
                        "| --- | --- | --- | --- | --- |"]
                out += [f"| `{p['name']}` | {p['in']} | {_type_of(p['schema'])} | "
                        f"{'yes' if p['required'] else ''} | {p.get('description', '')} |"
                        for p in entry["parameters"]]
                out.append("")
            if "requestBody" in entry:
                schema = entry["requestBody"]["content"]["application/json"]["schema"]
                out += [f"Body: {_type_of(schema)}"
                        + ("" if entry["requestBody"]["required"] else " (optional)"), ""]
            out.append("Answers: " + "; ".join(
                f"{status} {answer['description']}"
                + "".join(f" ({_type_of(c['schema'])})"
                          for c in answer.get("content", {}).values())
                for status, answer in entry["responses"].items()) + ".")
            out.append("")
    out += ["## Schemas", ""]
    for name, schema in document["components"]["schemas"].items():
        out += [f"### {name}", ""]
        if schema.get("description"):
            out += [" ".join(schema["description"].split()), ""]
        out += [*_fields(schema), ""]
    return "\n".join(out).rstrip() + "\n"
