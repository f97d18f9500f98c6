"""A TCP relay between a hub and a real server that a test can cut: a network partition with
both ends real. While cut, open connections are dropped and new ones are accepted but never
answered, as when packets stop arriving; once restored, new connections pass again."""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpRelay:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._lock = threading.Lock()
        self._cut = False
        self._closed = False
        self._sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True, name="tcp-relay").start()

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            self._close_all()

    def restore(self) -> None:
        with self._lock:
            self._cut = False
            self._close_all()  # the connections that hung while cut

    def close(self) -> None:
        self.listener.close()
        with self._lock:
            self._closed = True
            self._close_all()

    def _close_all(self) -> None:
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._sockets.clear()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                if self._closed:
                    client.close()
                    return
                self._sockets.add(client)
                if self._cut:
                    continue  # held open, never answered
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._cut or self._closed or client not in self._sockets:
                    upstream.close()  # cut while it connected
                    continue
                self._sockets.add(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        """Copy one way until either side ends; then end both ways, and this side's socket."""
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self._lock:
            self._sockets.discard(source)
        source.close()
