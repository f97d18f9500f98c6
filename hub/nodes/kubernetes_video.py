"""Videos recorded inside a browser Pod, fetched over the network when the session ends.

The Pod records as a Docker container does (ffmpeg in the image's entrypoint, a fragmented
MP4), and the node registers a :class:`~hub.nodes.docker_video.ContainerRecording` with the
media provider the same way, so the recording service claims it, remuxes, probes and uploads it
(S3 in a cluster) as any other. Only the copying out differs: a hub shares no volume with its
Pods and the Role grants no ``pods/exec``, so the entrypoint serves the file on
``RECORDING_PORT`` (``containers/common/recording-server.sh``) and the node GETs it from the
Pod's address before it deletes the Pod. A Pod deleted under the session waits (its grace
period) for that fetch; one that cannot be reached leaves a failed recording with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import aiohttp

from hub.nodes.browser_image import VIDEO_NAME
from hub.nodes.docker_video import ContainerRecording
from hub.screens import work_path

log = logging.getLogger(__name__)

RECORDING_PORT = 9230
# ffmpeg gets up to 10 s to write its last fragment; then the file streams (minutes at worst).
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=600, sock_connect=5, sock_read=30)
CHUNK = 1024 * 1024


def video_url(address: str) -> str:
    """The video's URL on a Pod (``address`` is ``host:port`` as browser_image writes it)."""
    return f"http://{address}/{VIDEO_NAME}"


async def _download(http: aiohttp.ClientSession, url: str, target: Path) -> int:
    partial = target.with_name(target.name + ".part")
    await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
    size = 0
    async with http.get(url, timeout=FETCH_TIMEOUT) as response:
        if response.status != 200:
            raise OSError(f"the Pod answered HTTP {response.status}")
        with await asyncio.to_thread(open, partial, "wb") as file:
            async for chunk in response.content.iter_chunked(CHUNK):
                await asyncio.to_thread(file.write, chunk)
                size += len(chunk)
        if response.content_length is not None and size != response.content_length:
            raise OSError(f"the Pod sent {size} of {response.content_length} bytes")
    await asyncio.to_thread(partial.replace, target)
    return size


async def fetch(http: aiohttp.ClientSession, url: str, recording: ContainerRecording,
                pod: str, cut_short: str = "") -> None:
    """Fetch the video's fragments from the Pod and tell the recording service; never raises.
    ``cut_short``: why the Pod may have ended before ffmpeg finished the file."""
    target = work_path(recording.path)
    try:
        size = await _download(http, url, target)
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        with contextlib.suppress(OSError):
            target.with_name(target.name + ".part").unlink(missing_ok=True)
        why = f"could not fetch the video from Pod {pod}: {error or type(error).__name__}"
        log.warning("recording.fetch_failed pod=%s path=%s error=%s", pod, recording.path, why)
        recording.finish(f"{cut_short}; {why}" if cut_short else why)
        return
    log.info("recording.fetched pod=%s path=%s size=%d", pod, recording.path, size)
    recording.finish(cut_short)
