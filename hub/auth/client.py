"""Who is calling: the peer address, or the forwarded one when the peer is a trusted proxy."""

from __future__ import annotations

import ipaddress

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: list[str]) -> list[Network]:
    """``trusted_proxies`` entries (addresses or CIDR networks) as networks."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"trusted proxy {entry!r} is not an address or network") from None
    return networks


def _trusted(address: str, trusted: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_address(request: web.Request, trusted: list[Network]) -> str:
    """The client's address. ``X-Forwarded-For`` is read right to left, skipping trusted
    proxies; from an untrusted peer it (and ``X-Real-IP``) is ignored, so it cannot be forged.
    """
    peer = request.remote or ""
    if not trusted or not _trusted(peer, trusted):
        return peer
    forwarded = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")
                 if hop.strip()]
    for hop in reversed(forwarded):
        if not _valid(hop):
            return peer
        if not _trusted(hop, trusted):
            return hop
    if forwarded:
        return forwarded[0]
    real = request.headers.get("X-Real-IP", "").strip()
    return real if _valid(real) else peer
