"""The capability policy: what a session may ask of the machine its browser runs on.

A WebDriver client configures the browser process itself: its binary, its switches, its
preferences, and (through TGGrid's and Selenoid's options) its environment. On a shared grid
those are commands run on the node's host, so by default a session may not:

- name a browser or driver binary other than one a node offers (``goog:chromeOptions.binary``,
  ``moz:firefoxOptions.binary``, ``webkitgtk:browserOptions.binary`` ...); naming the very
  binary a node uses is allowed, as CI setups and conformance suites do;
- set environment variables (``tggrid:options.env``, ``selenoid:options.env``): ``PATH``,
  ``LD_PRELOAD`` and the like choose which code runs;
- pass Chromium switches that launch other programs or load code from the host
  (:data:`CHROMIUM_LAUNCHERS`), write or read outside the session (:data:`CHROMIUM_PATHS`,
  allowed with a relative path, which lands in the session's own directory), or attach
  chromedriver to another browser (``debuggerAddress``);
- pass Firefox arguments or preferences that do the same (:data:`FIREFOX_ARGS`,
  :data:`FIREFOX_PREF_PREFIXES`).

Admins allow more with ``allowed_binaries``, ``allowed_browser_args`` (switch or preference
names) and ``allow_session_env``. A refused capability is a W3C ``invalid argument`` naming
it. :meth:`CapabilityPolicy.check` is the one entry: ``Grid.request`` (the path of every
session start: W3C ``/session``, ``/api/sessions/create``, Playwright's ``/cdp``) and the warm
pool call it before a node sees the capabilities, so every node kind obeys the same rules.

Where the lists come from (Chromium and Firefox sources, read for this module):

- Chromium ``content/public/common/content_switches.cc``: ``renderer-cmd-prefix``,
  ``utility-cmd-prefix``, ``zygote-cmd-prefix``, ``gpu-launcher``, ``ppapi-plugin-launcher``
  ("prepended to the ... command line"), ``browser-subprocess-path`` ("path to the exe to run
  for the renderer and plugin subprocesses"), ``mojo-core-library-path`` and
  ``register-pepper-plugins`` (load a shared library), ``log-file``, ``webrtc-event-logging``
  (write to a path), ``enable-service-binary-launcher``, ``wait-for-debugger-children``.
- Chromium ``chrome/common/chrome_switches.cc`` and ``components``: ``user-data-dir``,
  ``disk-cache-dir``, ``crash-dumps-dir``, ``log-net-log``, ``net-log-capture-mode``'s file,
  ``ssl-key-log-file``, ``load-extension`` and ``load-and-launch-app`` (code from a host
  path), ``remote-debugging-address`` (DevTools on a non-loopback address),
  ``trace-startup-file``.
- chromedriver's capabilities (``goog:chromeOptions``): ``binary``, ``debuggerAddress``,
  ``minidumpPath``, and the ``download.default_directory`` / ``savefile.default_directory``
  preferences.
- Firefox: ``-profile``/``-P``/``-ProfileManager`` (another profile on the host),
  ``-remote-allow-system-access`` (privileged "chrome" context that can start processes,
  toolkit/components/remote), and preferences from ``modules/libpref/init/all.js`` and
  ``StaticPrefList.yaml``: ``network.protocol-handler.app.*`` (external program per URL
  scheme), ``security.sandbox.*``, ``devtools.debugger.remote-*``, ``devtools.chrome.enabled``,
  ``extensions.experiments.enabled`` (privileged add-on code), ``general.config.*``
  (autoconfig scripts), ``browser.download.dir``, ``browser.cache.disk.parent_directory``,
  ``print.print_to_filename``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath
from typing import Any

from hub.config import Settings
from hub.w3c.capabilities import Capabilities
from hub.w3c.errors import InvalidArgument

CHROMIUM_LAUNCHERS = frozenset({
    "--renderer-cmd-prefix", "--utility-cmd-prefix", "--zygote-cmd-prefix", "--gpu-launcher",
    "--ppapi-plugin-launcher", "--browser-subprocess-path", "--mojo-core-library-path",
    "--register-pepper-plugins", "--enable-service-binary-launcher",
    "--wait-for-debugger-children", "--load-extension", "--load-and-launch-app",
    "--remote-debugging-address",
})
# Switches that take a path: allowed only relative (inside the session's directory).
CHROMIUM_PATHS = frozenset({
    "--user-data-dir", "--disk-cache-dir", "--crash-dumps-dir", "--log-file", "--log-net-log",
    "--ssl-key-log-file", "--trace-startup-file", "--webrtc-event-logging",
    "--enable-logging", "--file-url-path-alias",
})
CHROMIUM_OPTION_KEYS = ("debuggerAddress", "minidumpPath")
CHROMIUM_PATH_PREFS = ("download.default_directory", "savefile.default_directory")
FIREFOX_ARGS = frozenset({
    "-profile", "--profile", "-p", "--p", "-profilemanager", "--profilemanager",
    "-remote-allow-system-access", "--remote-allow-system-access",
})
FIREFOX_PREF_PREFIXES = (
    "network.protocol-handler.app.", "security.sandbox.", "devtools.debugger.remote-",
    "devtools.chrome.enabled", "extensions.experiments.enabled", "general.config.",
    "browser.download.dir", "browser.cache.disk.parent_directory", "print.print_to_filename",
    "browser.download.downloaddir",
)
VENDOR_OPTIONS = ("goog:chromeOptions", "ms:edgeOptions", "moz:firefoxOptions",
                  "webkitgtk:browserOptions", "wpe:browserOptions")
ENV_OPTIONS = ("tggrid:options", "selenoid:options")


def _switch(arg: Any) -> tuple[str, str | None]:
    name, sep, value = str(arg).partition("=")
    return name.lower(), (value if sep else None)


def _outside_session(path: str) -> bool:
    """True unless ``path`` is relative and stays below the directory it is relative to."""
    path = path.strip().strip('"').strip("'")
    pure = PurePosixPath(path)
    return not path or pure.is_absolute() or path.startswith("~") or ".." in pure.parts


class CapabilityPolicy:
    """The rules, built from the settings; ``offered`` lists the nodes' own binaries now."""

    def __init__(self, settings: Settings,
                 offered: Callable[[], Iterable[str]] = tuple) -> None:
        self.allowed_binaries = {os.path.realpath(b) for b in settings.allowed_binaries}
        self.allowed_args = {arg.lower() for arg in settings.allowed_browser_args}
        self.allow_env = settings.allow_session_env
        self.offered = offered

    def check(self, caps: Capabilities) -> None:
        for key in ENV_OPTIONS:
            options = caps.get(key)
            if isinstance(options, dict) and options.get("env") and not self.allow_env:
                raise _refused(f"{key}.env", "sessions may not set environment variables on "
                               "this grid (setting allow_session_env)")
        for key in VENDOR_OPTIONS:
            options = caps.get(key)
            if isinstance(options, dict):
                self._check_vendor(key, options)

    def _check_vendor(self, key: str, options: dict[str, Any]) -> None:
        binary = options.get("binary")
        if binary is not None:
            self._check_binary(f"{key}.binary", binary)
        args = options.get("args")
        if isinstance(args, list):
            for arg in args:
                self._check_arg(key, arg)
        for name in CHROMIUM_OPTION_KEYS:
            if name in options and name.lower() not in self.allowed_args:
                raise _refused(f"{key}.{name}", "it reaches outside the session")
        prefs = options.get("prefs")
        if isinstance(prefs, dict):
            self._check_prefs(key, prefs)

    def _check_binary(self, where: str, binary: Any) -> None:
        if not isinstance(binary, str):
            raise InvalidArgument(f"capability {where!r} must be a string")
        real = os.path.realpath(binary)
        if real in self.allowed_binaries or binary in self.allowed_binaries:
            return
        offered = set(self.offered())
        if binary in offered or real in {os.path.realpath(b) for b in offered}:
            return
        raise _refused(where, f"{binary!r} is not a binary this grid's nodes offer (they "
                       "choose the browser binary themselves; an admin may allow more with "
                       "the allowed_binaries setting)")

    def _check_arg(self, key: str, arg: Any) -> None:
        name, value = _switch(arg)
        if name in self.allowed_args:
            return
        if name in CHROMIUM_LAUNCHERS or name in FIREFOX_ARGS:
            raise _refused(f"{key}.args", f"{name} starts other programs, loads code or "
                           "reaches outside the session")
        if name in CHROMIUM_PATHS and value is not None and _outside_session(value):
            raise _refused(f"{key}.args", f"{name} may only name a relative path inside the "
                           "session's own directory")

    def _check_prefs(self, key: str, prefs: dict[str, Any]) -> None:
        for pref, value in _flatten(prefs):
            lowered = pref.lower()
            if lowered in self.allowed_args:
                continue
            if lowered in CHROMIUM_PATH_PREFS and _outside_session(str(value)):
                raise _refused(f"{key}.prefs", f"{pref} may only name a relative path")
            if lowered.startswith(FIREFOX_PREF_PREFIXES):
                raise _refused(f"{key}.prefs", f"the preference {pref} starts programs or "
                               "reaches outside the session")


def _flatten(prefs: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Chromium prefs may nest ({"download": {"default_directory": ...}})."""
    found: list[tuple[str, Any]] = []
    for name, value in prefs.items():
        full = f"{prefix}{name}"
        if isinstance(value, dict):
            found.extend(_flatten(value, full + "."))
        else:
            found.append((full, value))
    return found


def _refused(capability: str, why: str) -> InvalidArgument:
    return InvalidArgument(f"capability {capability!r} is refused by this grid's capability "
                           f"policy: {why}")
