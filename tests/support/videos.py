"""Checks a person watching a recording would make: it opens, and every frame decodes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import ffmpeg

from hub.media.remux import fragmented_output_args


def decode_every_frame(path: Path) -> None:
    """What a player does with the whole file: a broken frame or a torn file is an error."""
    result = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def fragmented_sample(path: Path, seconds: int, rate: int = 10) -> None:
    """A test pattern written the way the recorder writes (fragmented MP4)."""
    options = ffmpeg.output(ffmpeg.input("x"), "y", **fragmented_output_args(rate)).get_args()
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    f"testsrc=s=160x120:d={seconds}:r={rate}", "-c:v", "libx264", "-preset",
                    "ultrafast", "-pix_fmt", "yuv420p", *options[2:-1], "-y", str(path)],
                   check=True, timeout=60)
