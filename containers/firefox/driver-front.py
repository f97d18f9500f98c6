#!/usr/bin/python3
"""Serve geckodriver on 0.0.0.0:4444 with the Host header it insists on; run it as a child.

geckodriver 0.33 answers only requests whose Host header is exactly its own listen address and
port, and the Docker node reaches it through an ephemeral published port, so every request
would be refused. This front listens on 4444, sets Host to the driver's loopback address and
forwards each request (one upstream connection per request: nothing is ever sent twice).

Firefox's BiDi websocket (the remote agent on 127.0.0.1:9222) listens on the loopback only and
checks Host the same way (an IP or localhost, and its own port), so 9229 tunnels raw bytes to
it after rewriting the Host header of the upgrade request.

Usage: driver-front.py geckodriver --host=127.0.0.1 --port=4445 ...
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import signal
import socket
import socketserver
import subprocess
import sys
import threading

LISTEN = ("0.0.0.0", 4444)
DRIVER = ("127.0.0.1", 4445)
TUNNEL_LISTEN = ("0.0.0.0", 9229)
BIDI = ("127.0.0.1", 9222)
MAX_HEAD = 64 * 1024
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


def pipe(source: socket.socket, target: socket.socket) -> None:
    """Copy bytes until ``source`` ends, then end ``target``'s sending side."""
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


class Tunnel(socketserver.BaseRequestHandler):
    """One websocket connection: its upgrade request with Host rewritten, then raw bytes."""

    def handle(self) -> None:
        client: socket.socket = self.request
        head = b""
        while b"\r\n\r\n" not in head:
            data = client.recv(65536)
            if not data or len(head) > MAX_HEAD:
                return
            head += data
        header, _, rest = head.partition(b"\r\n\r\n")
        request_line, *fields = header.split(b"\r\n")
        fields = [f for f in fields if f.split(b":", 1)[0].strip().lower() not in
                  (b"host", b"origin")]  # the remote agent refuses unknown origins
        head = b"\r\n".join([request_line, f"Host: {BIDI[0]}:{BIDI[1]}".encode(), *fields])
        try:
            upstream = socket.create_connection(BIDI, timeout=10)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        with upstream:
            upstream.settimeout(None)
            upstream.sendall(head + b"\r\n\r\n" + rest)
            back = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
            back.start()
            pipe(client, upstream)
            back.join()


def main(command: list[str]) -> int:
    driver = subprocess.Popen(command)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda number, _frame: driver.send_signal(number))
    server = http.server.ThreadingHTTPServer(LISTEN, Front)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="front", daemon=True).start()
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    tunnel = socketserver.ThreadingTCPServer(TUNNEL_LISTEN, Tunnel)
    tunnel.daemon_threads = True
    threading.Thread(target=tunnel.serve_forever, name="tunnel", daemon=True).start()
    code = driver.wait()
    for each in (server, tunnel):
        each.shutdown()
        each.server_close()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
