"""hub/api/errors.py and hub/w3c/middleware.py: an unexpected failure answers without a
traceback or a server path, names its request id, and the log has the traceback under it."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.api.errors import api_errors
from hub.untrusted import add_request_id
from hub.w3c.middleware import webdriver_errors


async def broken(request: web.Request) -> web.Response:
    raise RuntimeError("secret detail in /srv/hub/module.py")


@pytest.mark.parametrize("path", ["/api/broken", "/session/abc/broken"])
async def test_a_failure_names_its_request_id_and_hides_the_traceback(
        path: str, caplog: pytest.LogCaptureFixture) -> None:
    app = web.Application(middlewares=[api_errors, webdriver_errors])
    app.on_response_prepare.append(add_request_id)
    app.router.add_get(path, broken)
    async with TestClient(TestServer(app)) as client:
        with caplog.at_level(logging.ERROR):
            response = await client.get(path)
            text = await response.text()
    request_id = response.headers["X-Request-Id"]
    assert response.status == 500
    assert request_id in text
    assert "secret detail" not in text and ".py" not in text and "Traceback" not in text
    record = next(r for r in caplog.records if request_id in r.getMessage())
    assert record.exc_info and "secret detail" in str(record.exc_info[1])
