"""One Settings object for the whole hub.

Precedence, highest first: command-line flags > ``TGGRID_*`` environment variables > a TOML
file (``--config``) > the defaults below. Every field of :class:`Settings` is a setting; the
CLI flags, the environment names and ``docs/configuration.md`` are all derived from it, so a
new setting is added in exactly one place.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENV_PREFIX = "TGGRID_"


class ConfigError(ValueError):
    """A setting has a value the hub cannot use; the message names the setting and the source."""


def _setting(default: Any, help: str, *, flag: str | None = None) -> Any:
    metadata = {"help": help, "flag": flag}
    if isinstance(default, list | dict):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def _default_data_dir() -> str:
    return str(Path.home() / ".local" / "share" / "tggrid")


@dataclasses.dataclass
class Settings:
    """Every knob of the hub; see docs/configuration.md for the rendered table."""

    host: str = _setting("127.0.0.1", "Address the hub listens on.")
    port: int = _setting(4444, "TCP port the hub listens on.")
    public_url: str = _setting(
        "",
        "Base URL for every URL the hub hands out (se:cdp, se:vnc, video links). "
        "Empty: derived from each request's Host header.",
    )
    data_dir: str = _setting(_default_data_dir(), "Directory for everything the hub keeps.")
    log_level: str = _setting("info", "Logging level: debug, info, warning, error.")
    provider: str = _setting(
        "local", "Where browsers run: local (child processes), docker or kubernetes (a Pod "
        "per session; see docs/kubernetes.md).")
    max_sessions: int = _setting(
        os.cpu_count() or 1, "Concurrent sessions on the local node (default: number of cores)."
    )
    session_timeout: float = _setting(
        300.0, "Seconds a session may stay idle before the reaper ends it."
    )
    session_request_timeout: float = _setting(
        300.0, "Seconds a new-session request may wait in the queue."
    )
    session_start_timeout: float = _setting(
        60.0, "Seconds a driver may take to start and create its session."
    )
    reaper_interval: float = _setting(5.0, "Seconds between idle-session sweeps.")
    health_check_interval: float = _setting(
        30.0, "Seconds between node health checks; a failing node leaves rotation until it "
        "passes again.")
    load_balancer: str = _setting(
        "least-connections", "How a node is chosen: round-robin, least-connections or "
        "resource-based. A choice made with POST /api/loadbalancer/algorithm overrides it.")
    warm_pool_size: int = _setting(
        0, "Started, never-used browsers kept ready for each browser (Chrome, Firefox) on "
        "each local or Docker node, handed to requests that ask for nothing but a plain "
        "ChromeOptions() or FirefoxOptions(). Changed at run time by the autoscaler or its API.")
    autoscaling: bool = _setting(
        False, "Let the autoscaler resize the warm pool from utilisation (its thresholds "
        "are set with POST /api/config/auto-scaling).")
    evaluation_interval: float = _setting(60.0, "Seconds between autoscaler evaluations.")
    docker_hosts: list[str] = _setting(  # noqa: RUF009 - _setting gives a default_factory
        [], "Docker engines for provider docker, each its own node: unix:///path.sock or "
        "tcp://host:port. Empty: the engine DOCKER_HOST or the default socket names.",
    )
    docker_max_sessions: int = _setting(
        os.cpu_count() or 1, "Concurrent sessions (containers) on each Docker engine "
        "(default: number of cores).",
    )
    docker_images: list[str] = _setting(  # noqa: RUF009 - _setting gives a default_factory
        [], "Image per browser as browser=image (e.g. chrome=tggrid/chrome:latest). Default: "
        "the tggrid/<browser>:<hash> tag that `tggrid images build` gives this checkout.",
    )
    docker_memory: str = _setting("1g", "Memory limit of each browser container; empty: none.")
    docker_cpus: float = _setting(1.0, "CPUs each browser container may use; 0: no limit.")
    docker_shm_size: str = _setting("2g", "Size of /dev/shm in each browser container.")
    docker_tls_verify: bool = _setting(
        False, "Verify tcp:// Docker engines' certificates against docker_tls_ca.")
    docker_tls_ca: str = _setting("", "CA certificate (PEM) for tcp:// Docker engines.")
    docker_tls_cert: str = _setting(
        "", "Client certificate (PEM) for tcp:// Docker engines; with docker_tls_key it "
        "switches TLS on.",
    )
    docker_tls_key: str = _setting("", "Client key (PEM) for tcp:// Docker engines.")
    # -- provider kubernetes (docs/kubernetes.md); images come from docker_images --------
    kubernetes_api_url: str = _setting(
        "", "Kubernetes API server for provider kubernetes. Empty: the in-cluster service "
        "account, else KUBECONFIG / ~/.kube/config.")
    kubernetes_namespace: str = _setting(
        "", "Namespace of the browser Pods. Empty: the hub's own (in a cluster), else default.")
    kubernetes_max_pods: int = _setting(
        10, "Concurrent browser Pods this hub runs (its capacity).")
    kubernetes_pending_timeout: float = _setting(
        120.0, "Seconds a browser Pod may stay Pending (scheduling, image pull) before the "
        "start fails with the Pod's events as the reason.")
    kubernetes_cpu_request: str = _setting("500m", "CPU request of each browser Pod.")
    kubernetes_cpu_limit: str = _setting("1", "CPU limit of each browser Pod; empty: none.")
    kubernetes_memory_request: str = _setting("1Gi", "Memory request of each browser Pod.")
    kubernetes_memory_limit: str = _setting(
        "2Gi", "Memory limit of each browser Pod (counts /dev/shm); empty: none.")
    kubernetes_shm_size: str = _setting(
        "2Gi", "Size of the in-memory emptyDir mounted on /dev/shm in each browser Pod.")
    kubernetes_node_selector: list[str] = _setting(  # noqa: RUF009 - _setting gives a default_factory
        [], "Node labels browser Pods must run on, as key=value.")
    kubernetes_tolerations: list[str] = _setting(  # noqa: RUF009 - _setting gives a default_factory
        [], "Taints browser Pods tolerate, as kubectl writes them: key=value:Effect, "
        "key:Effect (any value) or key=value (any effect).")
    kubernetes_service_account: str = _setting(
        "", "Service account of browser Pods (its token is never mounted). Empty: default.")
    kubernetes_image_pull_secrets: list[str] = _setting(  # noqa: RUF009 - _setting gives a default_factory
        [], "Secrets browser Pods pull their images with.")
    kubernetes_image_pull_policy: str = _setting(
        "IfNotPresent", "imagePullPolicy of browser Pods: Always, IfNotPresent or Never.")
    chrome_binary: str = _setting("", "Path of the Chrome/Chromium binary (default: detect).")
    chromedriver_binary: str = _setting("", "Path of chromedriver (default: detect).")
    firefox_binary: str = _setting("", "Path of the Firefox binary (default: detect).")
    geckodriver_binary: str = _setting("", "Path of geckodriver (default: detect).")
    # WebKit (issue 20): Debian's webkit2gtk-driver; MiniBrowser always runs on its own Xvfb.
    webkit_binary: str = _setting("", "Path of WebKitGTK's MiniBrowser (default: detect).")
    webkitdriver_binary: str = _setting("", "Path of WebKitWebDriver (default: detect).")
    browsers: list[str] = _setting(  # noqa: RUF009 - _setting gives a default_factory
        ["chrome", "firefox", "webkit"],
        "Browsers the local node offers, where found on the machine."
    )
    enable_vnc: bool = _setting(False, "Give every session a VNC screen.")
    enable_recording: bool = _setting(False, "Record a video of every session.")
    recording_dir: str = _setting(
        "", "Directory for session videos. Empty: <data_dir>/recordings.")
    recording_retention_days: float = _setting(
        30.0, "Days a recording is kept; older ones are deleted at start and daily. "
        "0 keeps them forever.",
    )
    # -- what a local session's video is filmed from (hub/media/screencast_recorder.py) --
    recording_capture: str = _setting(
        "auto", "auto: Chromium by its DevTools screencast (frames only when the page paints; "
        "headless unless VNC is on), other browsers by x11grab. x11: always x11grab. "
        "screencast: as auto (browsers without a screencast use x11grab).")
    # -- where finished recordings live (hub/media/s3.py) --
    recording_storage: str = _setting(
        "file", "file: videos stay in recording_dir. s3: each finished video is uploaded to "
        "the bucket in the background (retried, resumed after a restart) and served by the "
        "hub from there.")
    s3_bucket: str = _setting("", "Bucket for recording_storage = s3.")
    s3_prefix: str = _setting("recordings/", "Key prefix of the videos in the bucket.")
    s3_endpoint_url: str = _setting(
        "", "Endpoint of an S3-compatible service (MinIO, Ceph...). Empty: AWS.")
    s3_region: str = _setting("", "Region of the bucket. Empty: AWS_REGION / AWS_DEFAULT_REGION.")
    s3_access_key_id: str = _setting(
        "", "Access key. Empty: the usual AWS chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, roles).")
    s3_secret_access_key: str = _setting("", "Secret key that goes with s3_access_key_id.")
    # -- the session timeline (hub/timeline) --
    timeline: str = _setting(
        "on", "on: every WebDriver command, and CDP/BiDi call, of a session is kept as a step "
        "beside its video and served at /api/sessions/{id}/steps. off: nothing is kept.")
    timeline_secret_patterns: list[str] = _setting(  # noqa: RUF009 - _setting gives a default_factory
        [], "Regular expressions whose matches are masked in stored steps, on top of the "
        "built-in ones (bearer/basic credentials, password=..., token=..., user:pass@).")
    timeline_show_typed_text: bool = _setting(
        False, "Store the text a test types (Element Send Keys, key actions), except into "
        "elements found by a locator naming a secret (password, token...). Off: typed text "
        "is always masked, since the hub cannot tell a password field cheaply.")
    view_link_ttl: float = _setting(
        7 * 24 * 3600.0, "Seconds a signed view link (VNC, video, viewer page) stays valid "
        "unless the request for it asks for less.",
    )
    novnc_dir: str = _setting(
        "/usr/share/novnc", "noVNC's files (Debian package novnc), served at /ui/novnc/ for "
        "the live viewer page.",
    )
    websocket_heartbeat: float = _setting(
        30.0, "Seconds between pings on client websockets (CDP, BiDi, /cdp); a client that "
        "misses the pong is disconnected. 0 disables.",
    )
    database_url: str = _setting(
        "", "SQLAlchemy URL of the database, e.g. postgresql://user:pass@host/tggrid for several "
        "hubs sharing one. Empty: SQLite at <data_dir>/tggrid.db.",
    )
    auth: str = _setting(
        "off", "on: every /api route (but health, login, register), the WebDriver surface and "
        "websockets need an API token. off: anonymous use, allowed only on a loopback host.",
    )
    # -- the first admin from the environment (hub/auth/bootstrap.py; issue 16) ----------
    admin_email: str = _setting(
        "", "E-mail of an admin account the hub creates at start unless an account has it "
        "(Compose, systemd, Kubernetes). Its password comes from the environment variable "
        "TGGRID_ADMIN_PASSWORD or the file named by TGGRID_ADMIN_PASSWORD_FILE, read once, "
        "removed from the hub's environment and never logged. An existing account is left "
        "unchanged.")
    allow_registration: bool = _setting(
        False, "Let anyone create an account with POST /api/auth/register (off: admins "
        "create accounts with `tggrid user create`).")
    secret_key: str = _setting(
        "", "Key that encrypts TOTP secrets at rest and signs view links and dashboard sign-in "
        "tickets (any string; keep it secret and stable; hubs sharing a database need the "
        "same one). Empty: a random key kept in <data_dir>/secret.key (mode 0600).",
    )
    trusted_proxies: list[str] = _setting(  # noqa: RUF009 - _setting gives a default_factory
        [], "Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For / "
        "X-Real-IP are believed; from anyone else those headers are ignored.",
    )
    audit_retention_days: int = _setting(
        90, "Days audit log entries are kept; 0 keeps them forever.")
    hub_heartbeat_interval: float = _setting(
        10.0, "Seconds between this hub's heartbeats in the database; as often, it settles "
        "what dead hubs left (sessions, recordings, containers).")
    hub_dead_after: float = _setting(
        45.0, "Seconds without a heartbeat after which hubs sharing the database take a hub "
        "for dead: its running sessions are marked failed and its containers removed. A hub "
        "that cannot reach the database for as long fences itself: it ends its sessions and "
        "takes no new ones until the database answers. Must exceed hub_heartbeat_interval; "
        "hubs' clocks must agree to well within it.")
    # -- hubs sharing sessions (hub/peers): any hub serves any session -----------------
    advertise_url: str = _setting(
        "", "The URL other hubs sharing the database reach this one at (its own address, "
        "never the load balancer's); default http://<host>:<port>, the host name when bound "
        "to every interface. A request for another hub's session is forwarded there.")
    peer_handoff_after: float = _setting(
        1.0, "Seconds a new-session request waits in this hub's queue before it is handed "
        "to a hub sharing the database that has a fitting free slot (asked of its /status, "
        "again as often while it waits); 0 never hands it on.")
    # -- security (hub/security): who may call, from where, with what -------------------
    allowed_hosts: list[str] = _setting(  # noqa: RUF009 - _setting gives a default_factory
        [], "Host names the hub answers to besides loopback names, the bound address and "
        "the host of public_url (a request for any other Host is refused: DNS rebinding). "
        "'*' answers to any.")
    allowed_origins: list[str] = _setting(  # noqa: RUF009 - _setting gives a default_factory
        [], "Web origins (scheme://host[:port]) besides the hub's own whose pages may change "
        "things or open websockets (CDP, BiDi, VNC, /cdp) from a browser.")
    max_body_size: int = _setting(
        1024 * 1024, "Largest request body in bytes read before authentication and on /api.")
    max_session_body_size: int = _setting(
        256 * 1024 * 1024, "Largest POST /session body (browser extensions travel in it) in "
        "bytes, for authenticated callers or with auth off.")
    allowed_binaries: list[str] = _setting(  # noqa: RUF009 - _setting gives a default_factory
        [], "Browser or driver binaries a session may name in its capabilities besides "
        "those the nodes offer.")
    allowed_browser_args: list[str] = _setting(  # noqa: RUF009 - _setting gives a default_factory
        [], "Browser switches or Firefox preferences a session may set although the "
        "capability policy refuses them by default (e.g. --gpu-launcher).")
    allow_session_env: bool = _setting(
        False, "Let sessions set environment variables of the driver and browser "
        "(tggrid:options.env, selenoid:options.env).")
    reauth_window: float = _setting(
        300.0, "Seconds after signing in with the password during which enabling 2FA and "
        "creating tokens need no password again.")
    browser_user: str = _setting(
        "tggrid-browser", "Unprivileged user the local node runs drivers and browsers as "
        "when the hub runs as root (created by scripts/setup.sh); empty: the hub's user.")
    insecure_no_auth: bool = _setting(
        False, "Allow auth off while listening on a non-loopback address (anyone who can "
        "reach the port can then drive browsers and read every session).",
    )

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser()


_FIELDS = {field.name: field for field in dataclasses.fields(Settings)}


def _field_type(name: str) -> type:
    hints = typing.get_type_hints(Settings)
    hint = hints[name]
    origin = typing.get_origin(hint)
    if origin in (list, types.GenericAlias):
        return list
    return hint


def _coerce(name: str, value: Any, source: str) -> Any:
    """Turn a raw value from env, TOML or argparse into the field's type, or say why not."""
    kind = _field_type(name)
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(f"expected a boolean, got {value!r}")
        if kind is list:
            if isinstance(value, list):
                return [str(item) for item in value]
            return [item.strip() for item in str(value).split(",") if item.strip()]
        if kind is int:
            if isinstance(value, bool):
                raise ValueError(f"expected an integer, got {value!r}")
            return int(value)
        if kind is float:
            if isinstance(value, bool):
                raise ValueError(f"expected a number, got {value!r}")
            return float(value)
        return str(value)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"setting {name!r} from {source}: {error}") from None


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper()


def flag_name(name: str) -> str:
    custom = _FIELDS[name].metadata.get("flag")
    return custom or "--" + name.replace("_", "-")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add one flag per setting; unset flags stay ``None`` so lower layers show through."""
    parser.add_argument("--config", help="TOML file with settings (lowest precedence).")
    for name, field in _FIELDS.items():
        kind = _field_type(name)
        help_text = f"{field.metadata['help']} [env {env_name(name)}]"
        if kind is bool:
            parser.add_argument(
                flag_name(name), dest=name, action=argparse.BooleanOptionalAction,
                default=None, help=help_text,
            )
        else:
            parser.add_argument(flag_name(name), dest=name, default=None, help=help_text)


def load_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: str | os.PathLike[str] | None = None,
) -> Settings:
    """Merge the layers into one validated :class:`Settings`."""
    env = os.environ if env is None else env
    flags = dict(flags or {})
    config_file = config_file or flags.pop("config", None) or env.get(ENV_PREFIX + "CONFIG")
    values: dict[str, Any] = {}
    if config_file:
        path = Path(config_file).expanduser()
        try:
            document = tomllib.loads(path.read_text())
        except OSError as error:
            raise ConfigError(f"cannot read config file {path}: {error.strerror}") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
        table = document.get("hub", document)
        for key, value in table.items():
            name = key.replace("-", "_")
            if name not in _FIELDS:
                raise ConfigError(f"unknown setting {key!r} in {path}")
            values[name] = _coerce(name, value, str(path))
    for name in _FIELDS:
        if env_name(name) in env:
            values[name] = _coerce(name, env[env_name(name)], env_name(name))
    for name, value in flags.items():
        if name in _FIELDS and value is not None:
            values[name] = _coerce(name, value, flag_name(name))
    settings = Settings(**values)
    validate(settings)
    return settings


def validate(settings: Settings) -> None:
    if not 0 <= settings.port <= 65535:
        raise ConfigError(f"setting 'port': {settings.port} is not a TCP port")
    if settings.max_sessions < 1:
        raise ConfigError("setting 'max_sessions' must be at least 1")
    if settings.docker_max_sessions < 1:
        raise ConfigError("setting 'docker_max_sessions' must be at least 1")
    for name in ("session_timeout", "session_request_timeout", "session_start_timeout"):
        if getattr(settings, name) <= 0:
            raise ConfigError(f"setting {name!r} must be positive")
    if settings.load_balancer not in {"round-robin", "least-connections", "resource-based"}:
        raise ConfigError(f"setting 'load_balancer': unknown algorithm {settings.load_balancer!r}")
    if settings.warm_pool_size < 0:
        raise ConfigError("setting 'warm_pool_size' must be 0 or more")
    if settings.health_check_interval <= 0 or settings.evaluation_interval <= 0:
        raise ConfigError("settings 'health_check_interval' and 'evaluation_interval' must be "
                          "positive")
    if settings.provider not in {"local", "docker", "kubernetes"}:
        raise ConfigError(f"setting 'provider': {settings.provider!r} is not local, docker or "
                          "kubernetes")
    if settings.auth not in {"on", "off"}:
        raise ConfigError(f"setting 'auth': {settings.auth!r} is not on or off")
    if settings.audit_retention_days < 0:
        raise ConfigError("setting 'audit_retention_days' must be 0 (forever) or more")
    if settings.recording_retention_days < 0:
        raise ConfigError("setting 'recording_retention_days' must be 0 (forever) or more")
    if settings.recording_capture not in {"auto", "x11", "screencast"}:
        raise ConfigError(f"setting 'recording_capture': {settings.recording_capture!r} is not "
                          "auto, x11 or screencast")
    if settings.recording_storage not in {"file", "s3"}:
        raise ConfigError(f"setting 'recording_storage': {settings.recording_storage!r} is not "
                          "file or s3")
    if settings.recording_storage == "s3" and not settings.s3_bucket:
        raise ConfigError("setting 's3_bucket' is needed with recording_storage = s3")
    if settings.timeline not in {"on", "off"}:
        raise ConfigError(f"setting 'timeline': {settings.timeline!r} is not on or off")
    for pattern in settings.timeline_secret_patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ConfigError(f"setting 'timeline_secret_patterns': {pattern!r}: {error}"
                              ) from None
    if settings.view_link_ttl <= 0:
        raise ConfigError("setting 'view_link_ttl' must be positive")
    if settings.hub_heartbeat_interval <= 0:
        raise ConfigError("setting 'hub_heartbeat_interval' must be positive")
    if settings.hub_dead_after <= settings.hub_heartbeat_interval:
        raise ConfigError(
            f"setting 'hub_dead_after' ({settings.hub_dead_after:g} s) must exceed "
            f"'hub_heartbeat_interval' ({settings.hub_heartbeat_interval:g} s), or live hubs "
            "would be taken for dead between two heartbeats")
    if settings.max_body_size < 1024 or settings.max_session_body_size < settings.max_body_size:
        raise ConfigError("setting 'max_body_size' must be at least 1024 and "
                          "'max_session_body_size' at least 'max_body_size'")
    if settings.peer_handoff_after < 0:
        raise ConfigError("setting 'peer_handoff_after' must be 0 (never) or more")
    if settings.advertise_url and not settings.advertise_url.startswith("http://"):
        raise ConfigError("setting 'advertise_url' must start with http:// (hubs talk plain "
                          "HTTP to each other)")
    if settings.public_url and not settings.public_url.startswith(("http://", "https://")):
        raise ConfigError("setting 'public_url' must start with http:// or https://")


def describe_settings() -> list[tuple[str, str, str, str, str]]:
    """Rows (name, flag, env, default, help) for docs/configuration.md and `tggrid config`."""
    defaults = Settings()
    rows = []
    for name, field in _FIELDS.items():
        default = getattr(defaults, name)
        if name == "data_dir":
            default = "~/.local/share/tggrid"
        if name in {"max_sessions", "docker_max_sessions"}:
            default = "number of cores"
        rows.append((name, flag_name(name), env_name(name), repr(default), field.metadata["help"]))
    return rows
