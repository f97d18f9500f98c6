"""An S3-compatible server for tests: moto's server mode, an emulator of S3's HTTP API run as
a real child process on 127.0.0.1, so uploads cross a real socket and can be cut by stopping it.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import urllib.request

import boto3

from tests.support.hubs import free_port

ACCESS_KEY, SECRET_KEY, REGION = "emulator-key", "emulator-secret", "us-east-1"


class S3Emulator:
    def __init__(self, bucket: str = "recordings") -> None:
        self.bucket = bucket
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> S3Emulator:
        """Start (or start again, empty: moto keeps nothing) and create the bucket."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(
                    f"{self.url}/moto-api/", timeout=2):
                break
            assert self.process.poll() is None and time.monotonic() < deadline, \
                "the S3 emulator did not start"
            time.sleep(0.1)
        self.client().create_bucket(Bucket=self.bucket)
        return self

    def stop(self) -> None:
        """Gone at once, as a crashed server: SIGKILL, connections reset."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)

    def client(self):  # boto3 clients have no public type
        return boto3.client("s3", endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def objects(self) -> dict[str, bytes]:
        client = self.client()
        listing = client.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        return {item["Key"]: client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
                for item in listing}

    def hub_args(self) -> list[str]:
        return ["--recording-storage", "s3", "--s3-bucket", self.bucket, "--s3-endpoint-url",
                self.url, "--s3-region", REGION, "--s3-access-key-id", ACCESS_KEY,
                "--s3-secret-access-key", SECRET_KEY]
