"""Refuse requests a web page could forge, before any handler sees them.

A browser lets any page send requests to ``127.0.0.1:4444``: form-style POSTs (no preflight
for ``text/plain``), websocket handshakes (never preflighted), and, after DNS rebinding,
requests whose ``Host`` is the attacker's name but whose answers the page can read. So:

- ``Host`` must be one of the hub's own names: loopback names, the bound address (every
  interface address when bound to a wildcard), the host of ``public_url`` and
  ``allowed_hosts``. IP literals cannot be rebound, names can.
- A state change (any method but GET/HEAD/OPTIONS) or a websocket handshake that carries an
  ``Origin`` must come from the hub's own origin (the ``Host`` it was sent to, or
  ``public_url``) or one of ``allowed_origins``; ``Sec-Fetch-Site: cross-site`` is refused the
  same way. Real WebDriver, CDP and BiDi clients (Selenium in every language, WebdriverIO,
  Playwright, curl) send no ``Origin``, so they pass whatever their other headers are.
- ``/api`` bodies must be JSON (``text/plain`` is what a cross-site form can send), and
  everything but the WebDriver surface reads at most ``max_body_size`` bytes: nothing there
  needs more, and public routes (login) read bodies before anyone is authenticated.

The checks are plain functions over prepared sets, so a WebDriver command pays a few dict
lookups (bench/command_overhead.py).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
from collections.abc import Awaitable
from urllib.parse import urlsplit

import psutil
from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware

from hub.config import Settings
from hub.w3c.errors import WebDriverError
from hub.w3c.middleware import is_webdriver_path

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})
JSON_TYPES = frozenset({"application/json"})
MAX_REMEMBERED = 256


class RefusedRequest(WebDriverError):
    """A request the guard turns away, rendered as a W3C error on the WebDriver surface."""

    code = "unknown error"
    status = 403


def host_name(host: str) -> str:
    """``Host`` header without its port, lower case, IPv6 brackets removed."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host[1:]
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and ":" not in name:
        return name
    return host


def _is_loopback(name: str) -> bool:
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _interface_names() -> set[str]:
    """Every address of this machine, and its host name: a wildcard bind answers on all."""
    names = {socket.gethostname().lower()}
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family in (socket.AF_INET, socket.AF_INET6):
                names.add(address.address.split("%", 1)[0].lower())
    return names


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclasses.dataclass
class HostPolicy:
    """The hub's own names and origins, computed once from the settings."""

    names: frozenset[str]
    any_host: bool
    origins: frozenset[str]
    max_body_size: int
    seen: set[str] = dataclasses.field(default_factory=set)  # Host values already accepted

    @classmethod
    def from_settings(cls, settings: Settings) -> HostPolicy:
        names = {settings.host.lower()} | {h.lower().strip() for h in settings.allowed_hosts}
        if settings.host in WILDCARDS:
            names |= _interface_names()
        origins = {o.rstrip("/").lower() for o in settings.allowed_origins}
        if settings.public_url:
            names.add((urlsplit(settings.public_url).hostname or "").lower())
            origins.add(_origin_of(settings.public_url))
        return cls(frozenset(names - {""}), "*" in names, frozenset(origins),
                   settings.max_body_size)

    def host_allowed(self, host: str) -> bool:
        if host in self.seen or self.any_host:
            return True
        name = host_name(host)
        if not (name in self.names or _is_loopback(name)):
            return False
        if len(self.seen) < MAX_REMEMBERED:
            self.seen.add(host)
        return True

    def origin_allowed(self, origin: str, host: str) -> bool:
        origin = origin.lower()
        if origin in self.origins:
            return True
        parts = urlsplit(origin)
        return parts.scheme in {"http", "https"} and parts.netloc == host.lower()


def refuse(request: web.Request, status: int, code: str, message: str) -> web.Response:
    if is_webdriver_path(request.path):
        error = RefusedRequest(message)
        response = error.to_response()
        response.set_status(status)
        return response
    # /api's error shape ({"error", "message"}); the guard sits below hub.api, so it is
    # written out here rather than borrowed from hub.api.errors.
    return web.json_response({"error": code, "message": message}, status=status)


def make_guard(policy: HostPolicy) -> Middleware:
    @web.middleware
    def guard(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
        """Not a coroutine: a command from a real client passes without an await."""
        headers = request.headers
        host = headers.get(hdrs.HOST)
        if host is not None and not policy.host_allowed(host):
            return _done(refuse(request, 403, "forbidden_host",
                                f"this hub does not answer to the host {host!r}; add it to "
                                "the allowed_hosts setting if it is one of the hub's names"))
        if request.method in SAFE_METHODS and hdrs.UPGRADE not in headers:
            return handler(request)
        origin = headers.get(hdrs.ORIGIN)
        if origin is not None:
            # A page with Referrer-Policy: no-referrer (the dashboard) posts its forms with
            # Origin: null; the browser's Sec-Fetch-Site still says whose page it is.
            if not (policy.origin_allowed(origin, host or "") or (
                    origin == "null" and headers.get("Sec-Fetch-Site") == "same-origin")):
                return _done(_cross_site(request, origin))
        elif headers.get("Sec-Fetch-Site") == "cross-site":
            return _done(_cross_site(request, "another site"))
        if is_webdriver_path(request.path):
            return handler(request)
        return _limited(request, handler, policy)

    return guard


def _cross_site(request: web.Request, origin: str) -> web.Response:
    return refuse(request, 403, "cross_origin",
                  f"requests from web pages of {origin!r} may not change anything or open "
                  "websockets on this hub; add the origin to allowed_origins to trust it")


async def _done(response: web.Response) -> web.Response:
    return response


def _limited(request: web.Request, handler: Handler,
             policy: HostPolicy) -> Awaitable[web.StreamResponse]:
    """Outside the WebDriver surface: small JSON bodies only (before authentication too)."""
    if request.body_exists:
        length = request.content_length
        if length is not None and length > policy.max_body_size:
            return _done(refuse(request, 413, "body_too_large",
                                f"the request body has {length} bytes; at most "
                                f"{policy.max_body_size} are read here"))
        if request.path.startswith("/api/") and request.content_type not in JSON_TYPES:
            return _done(refuse(request, 415, "unsupported_media_type",
                                "/api takes JSON bodies: send Content-Type: application/json"))
        request = request.clone(client_max_size=policy.max_body_size)
    return handler(request)
