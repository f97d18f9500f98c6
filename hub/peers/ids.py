"""Session ids that name their hub.

Every session id a hub hands out ends with a short key derived from the hub's id (Selenium
GGR puts the host in its ids the same way), so a hub that receives a command for a session it
does not hold knows which hub does from the id alone: no database read on the command path,
and no race with the session row, which is written a moment after the client has the id.
"""

from __future__ import annotations

import hashlib

KEY_LENGTH = 10
# Set on a request one hub forwards to another: the receiving hub never forwards it again.
HOP_HEADER = "X-TGGrid-Forwarded-By"


def route_key(hub_id: str) -> str:
    """The suffix of this hub's session ids: 40 bits of a hash of its id, in hex."""
    return hashlib.blake2b(hub_id.encode(), digest_size=KEY_LENGTH // 2).hexdigest()


def owner_key(session_id: str) -> str:
    """The route key a session id ends with ('' when it is too short to carry one)."""
    return session_id[-KEY_LENGTH:] if len(session_id) > KEY_LENGTH else ""
