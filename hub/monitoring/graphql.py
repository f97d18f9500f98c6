"""POST /graphql: the part of Selenium Grid's GraphQL schema that KEDA's selenium-grid scaler
and Grid's own tools query. ``stereotypes``, ``capabilities`` and ``stereotype`` are JSON
strings, as in Grid."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from graphql import GraphQLSchema, build_schema, graphql

from hub.grid.distributor import Distributor

SCHEMA = """
enum Status { UP DRAINING DOWN }
type OsInfo { arch: String name: String version: String }
type Slot { id: ID! stereotype: String! lastStarted: String! }
type Session {
  id: String! capabilities: String! startTime: String! uri: String! nodeId: String!
  nodeUri: String! sessionDurationMillis: String! slot: Slot!
}
type Node {
  id: ID! uri: String! status: Status! maxSession: Int! slotCount: Int!
  sessions: [Session!]! sessionCount: Int! stereotypes: String! version: String!
  osInfo: OsInfo
}
type NodesInfo { nodes: [Node!]! }
type SessionsInfo { sessionQueueRequests: [String!]! sessions: [Session!]! }
type Grid {
  uri: String! totalSlots: Int! nodeCount: Int! maxSession: Int! sessionCount: Int!
  sessionQueueSize: Int! version: String!
}
type Query {
  grid: Grid! nodesInfo: NodesInfo! sessionsInfo: SessionsInfo!
  session(id: String!): Session
}
"""


def make_schema() -> GraphQLSchema:
    return build_schema(SCHEMA)


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)) if epoch else ""


def snapshot(distributor: Distributor, uri: str, version: str,
             visible: Callable[[Any], bool] = lambda owner: True) -> dict[str, Any]:
    """The grid as plain dicts; graphql-core's default resolver reads their keys. Sessions
    and queued requests whose owner is not ``visible`` are counted but not listed."""
    nodes, all_sessions = [], []
    live = {s.id: s for s in distributor.sessions()}
    for slots in distributor.nodes.values():
        node = slots.node
        sessions, hidden = [], 0
        for slot in slots.slots:
            session = live.get(slot.session_id or "")
            if session is None:
                continue
            if not visible(session.owner):
                hidden += 1
                continue
            sessions.append({
                "id": session.id, "capabilities": json.dumps(session.capabilities),
                "startTime": _iso(session.created_at), "uri": uri, "nodeId": node.id,
                "nodeUri": node.uri,
                "sessionDurationMillis": str(int((time.time() - session.created_at) * 1000)),
                "slot": {"id": slot.id, "stereotype": json.dumps(slot.stereotype),
                         "lastStarted": _iso(slot.last_started)},
            })
        all_sessions.extend(sessions)
        nodes.append({
            "id": node.id, "uri": node.uri, "status": slots.availability,
            "maxSession": node.max_sessions, "slotCount": len(slots.slots),
            "sessions": sessions, "sessionCount": len(sessions) + hidden, "version": version,
            "stereotypes": json.dumps([{"slots": node.max_sessions, "stereotype": s}
                                       for s in node.stereotypes]),
            "osInfo": None,
        })
    return {
        "grid": {"uri": uri, "totalSlots": sum(n["slotCount"] for n in nodes),
                 "nodeCount": len(nodes), "maxSession": sum(n["maxSession"] for n in nodes),
                 "sessionCount": sum(n["sessionCount"] for n in nodes),
                 "sessionQueueSize": distributor.queued,
                 "version": version},
        "nodesInfo": {"nodes": nodes},
        "sessionsInfo": {"sessionQueueRequests": [json.dumps(r.candidates[0] if r.candidates
                                                             else {})
                                                  for r in distributor.waiting()
                                                  if visible(r.owner)],
                         "sessions": all_sessions},
        "session": lambda info, id: next((s for s in all_sessions if s["id"] == id), None),
    }


async def execute(
    schema: GraphQLSchema, distributor: Distributor, body: Any, uri: str, version: str,
    visible: Callable[[Any], bool] = lambda owner: True,
) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return {"errors": [{"message": "the body must be a JSON object with a 'query' string"}]}
    variables = body.get("variables") if isinstance(body.get("variables"), dict) else None
    result = await graphql(schema, body["query"],
                           root_value=snapshot(distributor, uri, version, visible),
                           variable_values=variables, operation_name=body.get("operationName"))
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [error.formatted for error in result.errors]
    return answer


def json_answer(value: dict[str, Any]) -> web.Response:
    status = 200 if value.get("data") is not None else 400
    return web.Response(status=status, body=json.dumps(value).encode(),
                        content_type="application/json")
