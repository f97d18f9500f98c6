#!/usr/bin/python3
"""Serve geckodriver on 0.0.0.0:4444 with the Host header it insists on; run it as a child.

geckodriver 0.33 answers only requests whose Host header is exactly its own listen address and
port, and the Docker node reaches it through an ephemeral published port, so every request
would be refused. This front listens on 4444, sets Host to the driver's loopback address and
forwards each request (one upstream connection per request: nothing is ever sent twice).

Usage: driver-front.py geckodriver --host=127.0.0.1 --port=4445 ...
"""

from __future__ import annotations

import http.client
import http.server
import json
import signal
import subprocess
import sys
import threading

LISTEN = ("0.0.0.0", 4444)
DRIVER = ("127.0.0.1", 4445)
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # geckodriver logs requests
        pass

    def read_body(self) -> bytes:
        if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
            pass
        return b"".join(chunks)

    def forward(self) -> None:
        body = self.read_body()
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["Host"] = f"{DRIVER[0]}:{DRIVER[1]}"
        headers["Content-Length"] = str(len(body))
        upstream = http.client.HTTPConnection(*DRIVER)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            reply = upstream.getresponse()
            status, reason, data = reply.status, reply.reason, reply.read()
            reply_headers = [(k, v) for k, v in reply.getheaders() if k.lower() not in HOP_BY_HOP]
        except (OSError, http.client.HTTPException) as exc:
            error = {"error": "unknown error", "message": f"geckodriver: {exc}", "stacktrace": ""}
            status, reason = 500, "Internal Server Error"
            data = json.dumps({"value": error}).encode()
            reply_headers = [("Content-Type", "application/json; charset=utf-8")]
        finally:
            upstream.close()
        self.send_response_only(status, reason)
        for key, value in reply_headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = forward


def main(command: list[str]) -> int:
    driver = subprocess.Popen(command)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda number, _frame: driver.send_signal(number))
    server = http.server.ThreadingHTTPServer(LISTEN, Front)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="front", daemon=True).start()
    code = driver.wait()
    server.shutdown()
    server.server_close()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
