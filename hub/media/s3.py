"""Recordings kept in an S3-compatible bucket (``recording_storage = "s3"``).

A finished video is recorded and made on local disk first (:mod:`hub.media.remux`); the
:class:`~hub.media.uploads.Uploader` then copies it here and the recording's ``path`` becomes
``s3://<bucket>/<key>``. The hub keeps serving ``GET /api/sessions/{id}/video`` itself: it
proxies the client's ``Range`` to the bucket and streams the answer back, so access checks,
signed links and the URL stay the hub's, and the bucket need not be reachable by clients.

boto3 is synchronous: every call runs in a worker thread. Credentials come from the settings
when given, else from boto3's usual chain (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``,
``AWS_PROFILE``, instance roles).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

SCHEME = "s3://"
CHUNK = 256 * 1024
S3_ERRORS = (BotoCoreError, ClientError, OSError)


def is_remote(path: str) -> bool:
    return path.startswith(SCHEME)


class S3Error(Exception):
    """The bucket refused or could not be reached; the message says which and why."""


@dataclasses.dataclass(frozen=True)
class S3Settings:
    bucket: str
    prefix: str = ""
    endpoint_url: str = ""
    region: str = ""
    access_key_id: str = ""
    secret_access_key: str = ""


@dataclasses.dataclass
class Download:
    """What the bucket answered for a (ranged) GET: status, headers to pass on, the body."""

    status: int
    headers: dict[str, str]
    body: Any = None

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            while chunk := await asyncio.to_thread(self.body.read, CHUNK):
                yield chunk
        finally:
            self.body.close()


class S3Store:
    def __init__(self, settings: S3Settings) -> None:
        self.settings = settings
        credentials = ({"aws_access_key_id": settings.access_key_id,
                        "aws_secret_access_key": settings.secret_access_key}
                       if settings.access_key_id else {})
        self.client = boto3.client(
            "s3", endpoint_url=settings.endpoint_url or None,
            region_name=settings.region or None, **credentials,
            config=Config(retries={"max_attempts": 3, "mode": "standard"},
                          connect_timeout=5, read_timeout=30))

    def key_for(self, recording_id: str, name: str) -> str:
        """One key per recording: file names are reused once the local copy is gone."""
        return f"{self.settings.prefix}{recording_id}/{name}"

    def url_of(self, key: str) -> str:
        return f"{SCHEME}{self.settings.bucket}/{key}"

    def key_of(self, path: str) -> str:
        """The key of one of this bucket's ``s3://`` paths; S3Error for another bucket's."""
        bucket, _, key = path.removeprefix(SCHEME).partition("/")
        if bucket != self.settings.bucket or not key:
            raise S3Error(f"{path} is not in bucket {self.settings.bucket}")
        return key

    async def upload(self, path: Path, key: str) -> None:
        try:
            await asyncio.to_thread(
                self.client.upload_file, str(path), self.settings.bucket, key,
                ExtraArgs={"ContentType": "video/mp4"},
                Config=TransferConfig(multipart_threshold=64 * 2**20, use_threads=False))
        except (*S3_ERRORS, boto3.exceptions.S3UploadFailedError) as error:
            raise S3Error(f"upload of {key} failed: {error}") from None

    async def delete(self, key: str) -> None:
        try:
            await asyncio.to_thread(self.client.delete_object, Bucket=self.settings.bucket,
                                    Key=key)
        except S3_ERRORS as error:
            raise S3Error(f"delete of {key} failed: {error}") from None

    async def download(self, key: str, byte_range: str | None) -> Download:
        """GET the object (a ``Range`` header passed through); 404/416 come back as such."""
        extra = {"Range": byte_range} if byte_range else {}
        try:
            answer = await asyncio.to_thread(self.client.get_object,
                                             Bucket=self.settings.bucket, Key=key, **extra)
        except ClientError as error:
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 502))
            if status == 416:
                size = await self._size(key)
                return Download(416, {"Content-Range": f"bytes */{size}"})
            if status == 404:
                return Download(404, {})
            raise S3Error(f"download of {key} failed: {error}") from None
        except S3_ERRORS as error:
            raise S3Error(f"download of {key} failed: {error}") from None
        headers = {"Content-Length": str(answer["ContentLength"]), "Accept-Ranges": "bytes"}
        if answer.get("ContentRange"):
            headers["Content-Range"] = answer["ContentRange"]
        status = 206 if "Content-Range" in headers else 200
        return Download(status, headers, answer["Body"])

    async def _size(self, key: str) -> int | str:
        try:
            head = await asyncio.to_thread(self.client.head_object,
                                           Bucket=self.settings.bucket, Key=key)
            return int(head["ContentLength"])
        except S3_ERRORS:
            return "*"
