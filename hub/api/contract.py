"""What each /api handler promises, declared beside it, and enforced on the way in.

``@operation(...)`` on a handler records its summary, request body and query models (from
hub/api/schemas.py), answers and whether it is public; the wrapper validates the query and
the body against those same models before the handler runs, so a handler only sees values
the OpenAPI document allows. hub/api/openapi.py walks the app's router and reads these
declarations: a route under /api without one is a bug its test finds.

Handlers read the validated body with ``hub.api.common.read_body`` as before.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from hub.api.errors import BadRequest
from hub.untrusted import UnsafeInput, read_json

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
VALIDATED_BODY: web.RequestKey[dict[str, Any]] = web.RequestKey("api_validated_body")
OPERATION_ATTRIBUTE = "__api_operation__"
ID_PARAMETER = {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}


@dataclasses.dataclass(frozen=True)
class Answer:
    """One documented answer: its meaning and its body (a model, a JSON schema, or none)."""

    description: str
    schema: type[BaseModel] | dict[str, Any] | None = None
    content_type: str = "application/json"


@dataclasses.dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    answers: dict[int, Answer]
    description: str = ""
    body: type[BaseModel] | None = None
    body_required: bool = True
    query: type[BaseModel] | None = None
    public: bool = False
    path_schemas: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    invalid_code: str = "bad_request"


def _problems(error: ValidationError) -> str:
    parts = []
    for problem in error.errors(include_input=False, include_url=False)[:5]:
        where = ".".join(str(part) for part in problem["loc"]) or "body"
        parts.append(f"{where}: {problem['msg']}")
    return "; ".join(parts)


async def validated_body(request: web.Request, model: type[BaseModel], *, required: bool,
                         invalid_code: str) -> dict[str, Any]:
    try:
        raw = await read_json(request, empty=None)
    except UnsafeInput as error:
        raise BadRequest(str(error)) from None
    if raw is None:
        if required:
            raise BadRequest("send a JSON object as the request body", code=invalid_code)
        raw = {}
    if not isinstance(raw, dict):
        raise BadRequest("the request body must be a JSON object", code=invalid_code)
    try:
        value = model.model_validate(raw)
    except ValidationError as error:
        raise BadRequest(_problems(error), code=invalid_code) from None
    return value.model_dump(by_alias=True, exclude_unset=True)


def validate_query(request: web.Request, model: type[BaseModel]) -> None:
    """An empty parameter (``?userId=``) counts as absent, as the handlers read it."""
    try:
        model.model_validate({k: v for k, v in request.query.items() if v != ""})
    except ValidationError as error:
        raise BadRequest(_problems(error), code="invalid_query") from None


def operation(summary: str, *, tag: str, answers: dict[int, Answer], description: str = "",
              body: type[BaseModel] | None = None, body_required: bool = True,
              query: type[BaseModel] | None = None, public: bool = False,
              ids: tuple[str, ...] = (), invalid_code: str = "bad_request",
              ) -> Callable[[Handler], Handler]:
    """Declare a handler's contract; ``ids`` names path parameters that are database ids."""
    declared = Operation(summary=summary, tag=tag, answers=answers, description=description,
                         body=body, body_required=body_required, query=query, public=public,
                         path_schemas={name: ID_PARAMETER for name in ids},
                         invalid_code=invalid_code)

    def wrap(handler: Handler) -> Handler:
        if body is None and query is None:
            setattr(handler, OPERATION_ATTRIBUTE, declared)
            return handler

        @functools.wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            if query is not None:
                validate_query(request, query)
            if body is not None:
                request[VALIDATED_BODY] = await validated_body(
                    request, body, required=body_required, invalid_code=invalid_code)
            return await handler(request)

        setattr(checked, OPERATION_ATTRIBUTE, declared)
        return checked

    return wrap


def declared(handler: Any) -> Operation | None:
    return getattr(handler, OPERATION_ATTRIBUTE, None)
