"""What a node needs from whoever provides screens, VNC and recordings (``hub.media``), as
protocols: nodes and media never import each other, both import this.

A local node asks a :class:`ScreenProvider` for a session's :class:`SessionScreen`; a Docker
node, whose containers record themselves, hands each video to a :class:`RecordingSink`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from hub.w3c.capabilities import SessionOptions


WORK_SUFFIX = ".rec"


def work_path(path: Path) -> Path:
    """Where a recorder (the hub's ffmpeg, or a container's copied out) keeps the crash-proof
    fragments of the video that ends up at ``path`` (``hub.media.remux`` makes that MP4)."""
    return path.with_name(path.name + WORK_SUFFIX)


class ScreenError(Exception):
    """A screen, VNC server or recorder could not start; the node fails the session with it."""


class RecordingState(enum.StrEnum):
    RECORDING = "recording"
    FINISHED = "finished"
    FAILED = "failed"


class Recording(Protocol):
    """A video being written (``hub.media.recorder.Recorder`` or a container's)."""

    path: Path
    state: RecordingState
    started_at: float
    ended_at: float
    error: str

    async def wait(self) -> RecordingState: ...

    async def stop(self, grace: float = ...) -> RecordingState: ...


class SessionScreen(Protocol):
    """One session's screen, VNC server and recorder (no screen when not ``headed``: a
    Chromium recorded by its DevTools screencast without VNC runs headless)."""

    @property
    def headed(self) -> bool: ...

    @property
    def env(self) -> dict[str, str]: ...

    @property
    def endpoints(self) -> dict[str, str]: ...

    @property
    def recorded(self) -> bool:
        """Whether ``attach`` started a recording of the session."""
        ...

    async def attach(self, session_id: str,
                     endpoints: Mapping[str, str] | None = None) -> None: ...

    async def close(self) -> None: ...


class RecordingSink(Protocol):
    """Where a session's video goes and who is told about it."""

    recording_dir: Path

    def video_path(self, session_id: str, name: str | None) -> Path: ...

    def register_recorder(self, session_id: str, recorder: Recording) -> None: ...


class ScreenProvider(RecordingSink, Protocol):
    def needs_display(self, options: SessionOptions, browser: str) -> bool:
        """Whether ``browser`` runs headed for these options (VNC, or video by x11grab)."""
        ...

    async def open(self, options: SessionOptions, tag: str, log_dir: Path,
                   browser: str = ..., headed: bool = ...) -> SessionScreen:
        """A ready screen for one session (VNC when asked), or :class:`ScreenError`; no
        screen when not ``headed``."""
        ...
