"""Run inside the fresh-machine container (tests/docker/test_fresh_machine.py) with the venv
scripts/setup.sh made: wait for the hub scripts/hub.sh started, record a Chromium session,
fetch its video and check it with ffprobe. Prints one JSON line; exits non-zero on failure."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

from selenium import webdriver

HUB = "http://127.0.0.1:4444"


def get(path: str) -> bytes:
    with urllib.request.urlopen(HUB + path, timeout=30) as reply:
        return reply.read()


def main() -> int:
    deadline = time.monotonic() + 120
    while True:
        try:
            if json.loads(get("/status"))["value"]["ready"]:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            print(json.dumps({"error": "the hub never became ready"}))
            return 1
        time.sleep(0.5)
    options = webdriver.ChromeOptions()
    options.set_capability("tggrid:options", {"enableVideo": True,
                                              "screenResolution": "640x480"})
    driver = webdriver.Remote(HUB, options=options)
    session_id = driver.session_id
    for index in range(4):
        driver.get(f"data:text/html,<h1 style='font-size:80px'>step {index}</h1>")
        time.sleep(0.5)
    driver.quit()
    deadline = time.monotonic() + 60
    while True:
        recordings = json.loads(get("/api/recordings"))["recordings"]
        found = [r for r in recordings if r["sessionId"] == session_id]
        if found and found[0]["status"] != "recording":
            break
        if time.monotonic() > deadline:
            print(json.dumps({"error": "the recording never settled", "found": found}))
            return 1
        time.sleep(0.5)
    with open("/tmp/video.mp4", "wb") as video:
        video.write(get(f"/api/sessions/{session_id}/video"))
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name:format=duration",
         "-of", "json", "/tmp/video.mp4"], capture_output=True, text=True, check=False)
    print(json.dumps({"recording": found[0], "ffprobe": probe.stdout, "stderr": probe.stderr}))
    return probe.returncode


if __name__ == "__main__":
    sys.exit(main())
