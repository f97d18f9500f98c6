"""The JSON shapes of /api as pydantic models: request bodies are validated against them and
the OpenAPI document (``/api/openapi.json``, docs/api.md) is generated from them.

Bodies are strict (``"3"`` is not a number, ``1`` is not ``true``); numbers have bounds a
database column holds. Responses are described as far as clients rely on them; more fields
may come.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from hub.untrusted import INT64_MAX

Id = Annotated[int, Field(ge=0, le=INT64_MAX)]
Text = Annotated[str, Field(max_length=1000)]
Name = Annotated[str, Field(min_length=1, max_length=255)]


# An optional field that may be left out but not sent as null (the document says so too).
Absent = SkipJsonSchema[None]


class Body(BaseModel):
    """Unknown fields are ignored unless a model says otherwise."""

    model_config = ConfigDict(strict=True, extra="ignore")
    not_null: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _refuse_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name in cls.not_null:
                if name in data and data[name] is None:
                    raise ValueError(f"{name} may be left out but not null")
        return data


class Closed(Body):
    model_config = ConfigDict(strict=True, extra="forbid")


class Reply(BaseModel):
    model_config = ConfigDict(extra="allow")


# -- errors ----------------------------------------------------------------------------------

class Error(Reply):
    """Every /api failure. ``requestId`` (on 500s) names the log lines with the details."""

    error: str = Field(description="a stable code, e.g. bad_request, not_found")
    message: str = Field(description="what went wrong, for people")
    requestId: str | None = Field(default=None, description="also in the X-Request-Id header")


# -- accounts --------------------------------------------------------------------------------

class Register(Body):
    email: Annotated[str, Field(min_length=1, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    fullName: Annotated[str, Field(max_length=200)] | None = None


class Login(Body):
    email: Annotated[str, Field(min_length=1, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    twoFactorCode: Annotated[str, Field(max_length=64)] | Annotated[
        int, Field(ge=0, le=99_999_999)] | None = Field(
        default=None, description="TOTP or backup code; needed when 2FA is on (else 403)")


class Code(Body):
    code: Annotated[str, Field(min_length=1, max_length=64)]


class Disable2FA(Body):
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    code: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="a current TOTP or backup code")


class User(Reply):
    id: int
    email: str
    fullName: str | None = None
    role: str
    isAdmin: bool
    disabled: bool
    twoFactorEnabled: bool


class UserReply(Reply):
    user: User


class LoginReply(Reply):
    token: str = Field(description="a bearer token; also set as the tggrid_token cookie")
    user: User
    expiresAt: str


class TwoFactorEnrolment(Reply):
    secret: str
    qrCode: str = Field(description="data:image/png;base64,...")
    backupCodes: list[str]


class UserChanges(Closed):
    not_null = frozenset({"fullName", "isAdmin", "disabled"})
    fullName: Annotated[str, Field(max_length=200)] | Absent = None
    isAdmin: bool | Absent = None
    disabled: bool | Absent = None


class UserList(Reply):
    items: list[User]


# -- tokens ----------------------------------------------------------------------------------

class Reauthentication(Body):
    """Proof that the caller is the account's owner now: the password, and a code when 2FA is
    on. Not needed within ``reauth_window`` of a sign-in; an API token alone never does."""

    not_null: ClassVar[frozenset[str]] = frozenset({"password", "code"})
    password: Annotated[str, Field(max_length=1024)] | Absent = None
    code: Annotated[str, Field(max_length=64)] | Annotated[
        int, Field(ge=0, le=99_999_999)] | Absent = Field(
        default=None, description="a current TOTP or backup code, when 2FA is on")


class NewToken(Reauthentication):
    name: Annotated[str, Field(min_length=1, max_length=100)]


class Token(Reply):
    id: int
    name: str
    prefix: str
    createdAt: str
    lastUsedAt: str | None
    expiresAt: str | None


class CreatedToken(Token):
    token: str = Field(description="the secret, shown this once")


class TokenList(Reply):
    items: list[Token]


# -- sessions --------------------------------------------------------------------------------

class CreateSession(Body):
    """Other fields are TGGrid session options (``name``, ``enableVNC``, ...)."""

    model_config = ConfigDict(strict=True, extra="allow")
    browserType: Annotated[str, Field(min_length=1, max_length=64)] = "chrome"
    browserVersion: Annotated[str, Field(max_length=64)] | None = None
    platformName: Annotated[str, Field(max_length=64)] | None = None
    capabilities: dict[str, Any] = Field(default_factory=dict,
                                         description="more W3C capabilities")


class CreatedSession(Reply):
    sessionId: str
    webdriverUrl: str
    capabilities: dict[str, Any]
    cdpUrl: str | None = None
    vncUrl: str | None = None


class SessionChanges(Body):
    testStatus: Annotated[str, Field(max_length=32)] | None = None
    name: Annotated[str, Field(max_length=255)] | None = None


class SessionRow(Reply):
    id: str
    state: str


class SessionList(Reply):
    items: list[SessionRow]


class LinkRequest(Body):
    ttl: Annotated[float, Field(gt=0, le=10 * 365 * 86400)] | None = Field(
        default=None, description="seconds the links stay valid (at most view_link_ttl)")


class Links(Reply):
    expires: str
    viewer: str
    vnc: str
    video: str


class RecordingList(Reply):
    recordings: list[dict[str, Any]]


# -- grid ------------------------------------------------------------------------------------

class NewNode(Body):
    not_null = frozenset({"stereotypes"})
    url: Annotated[str, Field(min_length=1, max_length=2048,
                              description="http(s) URL of a WebDriver endpoint")]
    maxSessions: Annotated[int, Field(ge=1, le=10_000)] = 1
    stereotypes: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=100)] | Absent = (
        None)
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._~-]{1,128}$",
                             description="letters, digits, . _ ~ - (it goes in URLs and logs)")
                  ] | None = None


class Algorithm(Closed):
    algorithm: Literal["round-robin", "least-connections", "resource-based"]


Percent = Annotated[float, Field(ge=0, le=100)]
PoolSize = Annotated[int, Field(ge=0, le=10_000)]


class AutoScaling(Closed):
    """Fields left out keep their value. Thresholds: percent of capacity in use."""

    not_null = frozenset({"enabled", "minPoolSize", "maxPoolSize", "scaleUpThreshold",
                          "scaleDownThreshold", "cooldownPeriod"})
    enabled: bool | Absent = None
    minPoolSize: PoolSize | Absent = None
    maxPoolSize: PoolSize | Absent = None
    scaleUpThreshold: Percent | Absent = None
    scaleDownThreshold: Percent | Absent = None
    cooldownPeriod: Annotated[float, Field(ge=0, le=30 * 86400)] | Absent = None


# -- health ----------------------------------------------------------------------------------

State = Literal["healthy", "degraded", "unhealthy", "not_configured"]


class Services(Reply):
    mainApp: State
    browserPool: State
    database: State
    docker: State


class Performance(Reply):
    cpuUsage: float
    memoryUsage: float
    activeConnections: int


class Health(Reply):
    status: Literal["healthy", "degraded", "unhealthy"]
    services: Services
    performance: Performance
    details: dict[str, Any]


# -- query strings ---------------------------------------------------------------------------

class Query(BaseModel):
    """Query parameters arrive as text; numbers are converted and bounded."""

    model_config = ConfigDict(extra="ignore")


Limit = Annotated[int, Field(ge=1, le=500, description="page size (default 50)")]
When = Annotated[str, Field(max_length=64, description="ISO 8601 date or time (UTC if no zone)")]


class SessionQuery(Query):
    user: Id | None = Field(default=None, description="owner's user id (admins)")
    state: Literal["running", "closed", "timeout", "failed"] | None = None
    browser: Annotated[str, Field(max_length=64)] | None = None
    name: Annotated[str, Field(max_length=255)] | None = None
    from_: When | None = Field(default=None, alias="from")
    to: When | None = None
    limit: Limit | None = None
    offset: Id | None = None


class AuditQuery(Query):
    userId: Id | None = None
    action: Annotated[str, Field(max_length=100)] | None = None
    resourceType: Annotated[str, Field(max_length=100)] | None = None
    startDate: When | None = None
    endDate: When | None = None
    limit: Limit | None = None
    cursor: Id | None = Field(default=None, description="nextCursor of the previous page")


class RecordingQuery(Query):
    user: Id | None = None
    from_: Annotated[str, Field(max_length=64, description="ISO 8601 or Unix seconds")] | None = (
        Field(default=None, alias="from"))
    to: Annotated[str, Field(max_length=64)] | None = None
    name: Annotated[str, Field(max_length=255)] | None = None
    status: Annotated[str, Field(max_length=32)] | None = None


__all__ = [name for name, value in dict(globals()).items()
           if isinstance(value, type) and issubclass(value, BaseModel)]


# -- the session timeline (hub/timeline) ----------------------------------------------------

class StepQuery(Query):
    offset: Id | None = Field(default=None, description="index of the first step (default 0)")
    limit: Annotated[int, Field(ge=1, le=1000, description="page size (default 200)")] | None = (
        None)


class Step(Reply):
    seq: int = Field(description="order of the step in the session")
    kind: Literal["webdriver", "cdp", "bidi"]
    command: str = Field(description="W3C command name (Navigate To, Element Click...) or the "
                         "CDP/BiDi method")
    start: float = Field(description="seconds on the video's clock (or since the session "
                         "started, without a video)")
    end: float
    method: str | None = Field(default=None, description="HTTP method (WebDriver)")
    status: int | None = Field(default=None, description="HTTP status (WebDriver)")
    target: str | None = Field(default=None, description="URL, locator, or element")
    params: dict[str, Any] | None = Field(default=None, description="essentials, masked")
    result: dict[str, Any] | None = None
    error: str | None = Field(default=None, description="W3C error code or CDP/BiDi error")
    message: str | None = None
    count: int | None = Field(default=None, description="merged identical steps in a row")
    event: bool | None = Field(default=None, description="an event from the browser")
    text: str = Field(description="the step in one readable line")


class StepPage(Reply):
    sessionId: str
    clock: Literal["video", "session"] = Field(
        description="what start/end count from: the video's first frame, or the session start")
    origin: str | None = Field(description="ISO 8601 time of second 0")
    total: int
    offset: int
    limit: int
    next: int | None = Field(description="offset of the next page; null on the last")
    steps: list[Step]
