"""A threaded HTTP server run in the background, with a stop that frees the port."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from planetmail_local.emulator.errors import EmulatorError

FRAMING_HEADERS = ("content-length", "transfer-encoding", "connection")
"""Set by this server for the body it actually sends, whatever the function said."""


class _Server(ThreadingHTTPServer):
    request_queue_size = 128
    """Listen backlog: socketserver's 5 overflowed when a client opened 16 connections at once, and each
    dropped SYN cost that connection a one-second retransmit (the gateway's p99 of ~1 s)."""


class BackgroundServer:
    def __init__(self, handler: type[BaseHTTPRequestHandler], host: str, port: int) -> None:
        try:
            self._server = _Server((host, port), handler)
        except OSError as exc:
            raise EmulatorError(
                f"cannot listen on {host}:{port} ({exc.strerror}); "
                "stop what uses it or pick another --port / --lambda-port"
            ) from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"http {port}", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() would wait forever on a server never started
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()


class QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    """Sent as soon as written: with Nagle's algorithm a response written in two segments waited for the
    client's delayed ACK (40 ms on Linux) on every keep-alive request, capping a connection at ~25/s."""

    def log_message(self, format: str, *args: object) -> None:
        """Access logs stay out of the terminal."""

    def send_body(
        self, status: int, headers: list[tuple[str, str]] | tuple[tuple[str, str], ...], body: bytes
    ) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in FRAMING_HEADERS:
                self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
