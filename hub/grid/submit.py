"""The one way into the grid: every entry point hands it a request and gets a session back.

W3C ``POST /session``, ``POST /api/sessions/create`` and Playwright's ``/cdp`` all call
:meth:`Grid.request` with the validated candidates (``process_capabilities`` already ran),
then :meth:`Grid.submit`. Options are parsed here once, with the hub-wide defaults applied
once; the queue, distributor, pool and nodes only read them.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable

from hub.callers import Caller, Owner
from hub.grid.distributor import Distributor
from hub.grid.queue import SessionRequest
from hub.grid.session import Session
from hub.w3c.capabilities import Capabilities, SessionOptions, prefer_exact_matches
from hub.w3c.errors import SessionNotCreated


@dataclasses.dataclass(frozen=True)
class SessionDefaults:
    """What the hub gives every session unless it asks for more (``enable_vnc``,
    ``enable_recording`` settings): a pooled browser is started with these too."""

    enable_vnc: bool = False
    enable_video: bool = False

    def apply(self, options: SessionOptions) -> SessionOptions:
        return dataclasses.replace(options, enable_vnc=options.enable_vnc or self.enable_vnc,
                                   enable_video=options.enable_video or self.enable_video)


class Overflow(Exception):
    """The request left this hub's queue for a hub sharing the database that has room
    (``target`` names it); the entry point hands the client's request there."""

    def __init__(self, target: object) -> None:
        super().__init__(f"handed to {target}")
        self.target = target


class Grid:
    # Set by hub/peers: asked every ``overflow_after`` s while a request waits in the queue;
    # when it names another hub with a fitting free slot and the request is still queued,
    # the request leaves the queue and submit raises Overflow.
    overflow: Callable[[SessionRequest], Awaitable[object | None]] | None = None
    overflow_after: float = 1.0

    def __init__(self, distributor: Distributor, *, request_timeout: float,
                 defaults: SessionDefaults | None = None,
                 check: Callable[[Capabilities], None] | None = None) -> None:
        self.distributor = distributor
        self.check = check  # the capability policy (hub.security.policy), when there is one
        self.request_timeout = request_timeout
        self.defaults = defaults or SessionDefaults()

    def request(self, candidates: list[Capabilities], *, kind: str = "webdriver",
                owner: Owner | None = None, client: Caller | None = None) -> SessionRequest:
        """A queueable request, or the error (``invalid argument``, ``session not created``)
        that fails it before it waits.

        ``candidates`` are validated capabilities (``process_capabilities``); this is the one
        place a capability policy applies before anything is queued. They are tried in the
        order the spec's "matching capabilities" would pick: entries a node's stereotype
        matches exactly first, the grid's case-insensitive matching after.
        """
        candidates = prefer_exact_matches(
            candidates, (stereotype for slots in self.distributor.nodes.values()
                         for stereotype in slots.node.stereotypes))
        options = [self.defaults.apply(SessionOptions.from_capabilities(caps))
                   for caps in candidates]
        if self.check is not None:
            for caps in candidates:
                self.check(caps)
        self.distributor.check_satisfiable(candidates)
        return SessionRequest(candidates, options=options, kind=kind, owner=owner,
                              client=client)

    async def submit(self, request: SessionRequest) -> Session:
        """Queue the request and wait for its session, its failure or the queue timeout.

        Cancelling the caller (the client went away) takes the request out of the queue; a
        session that started meanwhile is ended by the distributor.
        """
        self.distributor.enqueue(request)
        try:
            async with asyncio.timeout(self.request_timeout):
                if self.overflow is not None:
                    await self._overflow(request, self.overflow)
                return await asyncio.shield(request.future)
        except TimeoutError:
            if self.distributor.withdraw(request):
                request.fail(SessionNotCreated("New session request timed out"))
                raise SessionNotCreated(
                    f"New session request timed out after {self.request_timeout:g} s in the "
                    "queue" + self.distributor.why_unavailable(request.candidates)
                ) from None
            return await request.future
        except asyncio.CancelledError:
            self.distributor.withdraw(request)
            request.future.cancel()
            raise

    async def _overflow(self, request: SessionRequest,
                        ask: Callable[[SessionRequest], Awaitable[object | None]]) -> None:
        """Until the request is placed here, ask now and then whether another hub has room."""
        while not request.future.done():
            await asyncio.wait({request.future}, timeout=self.overflow_after)
            if request.future.done():
                return
            if not any(queued is request for queued in self.distributor.waiting()):
                continue  # placed here and starting: nothing to hand on
            target = await ask(request)
            if target is not None and self.distributor.withdraw(request):
                request.future.cancel()
                raise Overflow(target)
