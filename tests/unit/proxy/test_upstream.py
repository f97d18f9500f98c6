"""The command path's HTTP client against a real aiohttp server on loopback."""

from __future__ import annotations

import socket

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from hub.proxy.upstream import UpstreamError, UpstreamPool

PEERS = web.AppKey("peers", list)


def make_app() -> web.Application:
    peers: list[int] = []

    async def echo(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername")[1])
        body = await request.read()
        return web.Response(status=201, body=body, content_type="application/x-echo")

    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        response.enable_chunked_encoding()
        response.content_type = "application/json"
        await response.prepare(request)
        for part in (b'{"value": ', b'"in parts"', b"}"):
            await response.write(part)
        await response.write_eof()
        return response

    async def closing(request: web.Request) -> web.Response:
        return web.Response(text="bye", headers={"Connection": "close"})

    app = web.Application()
    app[PEERS] = peers
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/chunked", chunked)
    app.router.add_get("/closing", closing)
    return app


@pytest.fixture
async def server():
    server = TestServer(make_app(), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


async def test_body_status_and_content_type_pass_through(server):
    pool = UpstreamPool()
    response = await pool.request("POST", "127.0.0.1", server.port, "/echo", b'{"x": 1}',
                                  "application/json")
    assert (response.status, response.body) == (201, b'{"x": 1}')
    assert response.content_type == "application/x-echo"
    await pool.close()


async def test_connections_are_reused(server):
    pool = UpstreamPool()
    for _ in range(5):
        await pool.request("GET", "127.0.0.1", server.port, "/echo", None)
    assert len(set(server.app[PEERS])) == 1
    await pool.close()


async def test_chunked_answers_are_joined(server):
    pool = UpstreamPool()
    response = await pool.request("GET", "127.0.0.1", server.port, "/chunked", None)
    assert response.body == b'{"value": "in parts"}'
    await pool.close()


async def test_connection_close_is_honoured_and_the_next_request_works(server):
    pool = UpstreamPool()
    assert (await pool.request("GET", "127.0.0.1", server.port, "/closing", None)).body == b"bye"
    assert (await pool.request("GET", "127.0.0.1", server.port, "/echo", None)).status == 201
    await pool.close()


async def test_a_stale_pooled_connection_is_retried_on_a_fresh_one():
    pool = UpstreamPool()
    server = TestServer(make_app(), host="127.0.0.1")
    await server.start_server()
    port = server.port
    await pool.request("GET", "127.0.0.1", port, "/echo", None)
    await server.close()  # the pooled connection dies with it
    again = TestServer(make_app(), host="127.0.0.1", port=port)
    await again.start_server()
    try:
        response = await pool.request("GET", "127.0.0.1", port, "/echo", None)
        assert response.status == 201
    finally:
        await again.close()
        await pool.close()


async def test_refused_connection_is_an_upstream_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    pool = UpstreamPool()
    with pytest.raises(UpstreamError, match="cannot connect"):
        await pool.request("GET", "127.0.0.1", port, "/", None)
    await pool.close()


async def test_end_to_end_headers_pass_and_per_connection_ones_stay_behind(server):
    pool = UpstreamPool()
    response = await pool.request("GET", "127.0.0.1", server.port, "/echo", None)
    names = {name.lower() for name, _ in response.headers}
    assert ("Content-Type", "application/x-echo") in response.headers
    assert not names & {"content-length", "date", "server", "connection", "keep-alive"}
    chunked = await pool.request("GET", "127.0.0.1", server.port, "/chunked", None)
    assert "transfer-encoding" not in {name.lower() for name, _ in chunked.headers}
    await pool.close()
