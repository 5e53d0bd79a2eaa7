"""A tiny HTTP server on 127.0.0.1 whose answers a test scripts, path by path."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    """What the server sends for one path.

    ``body`` is sent with ``status``; ``cut`` sends only the first ``cut`` bytes while
    announcing the whole length, then drops the connection; ``hang`` sends nothing for
    that many seconds (a server that stopped answering); ``drip`` sends the body one
    byte every ``drip`` seconds (a server that answers, but too slowly).
    """

    body: bytes = b""
    status: int = 200
    cut: int | None = None
    hang: float = 0.0
    drip: float = 0.0


class _Handler(BaseHTTPRequestHandler):
    server: "LocalServer"

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        self.server.requests.append(self.path)
        answer = self.server.answers.get(self.path, Answer(b"not found", 404))
        if answer.hang:
            self.server.stopping.wait(answer.hang)
            return
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        body = answer.body if answer.cut is None else answer.body[:answer.cut]
        if answer.drip:
            for i in range(len(body)):
                if self.server.stopping.wait(answer.drip):
                    return
                try:
                    self.wfile.write(body[i:i + 1])
                except OSError:  # the client gave up
                    return
            return
        self.wfile.write(body)
        self.wfile.flush()
        if answer.cut is not None:
            self.close_connection = True

    def log_message(self, *args):  # keep the test output clean
        pass


class LocalServer(ThreadingHTTPServer):
    """``with LocalServer() as server:`` serves ``server.answers`` at ``server.url``."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)  # port 0: any free port
        self.answers: dict[str, Answer] = {}
        self.requests: list[str] = []
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def __enter__(self) -> "LocalServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=10)


@contextlib.contextmanager
def refusing_port():
    """A port on 127.0.0.1 that refuses connections while the block runs: bound, so
    nothing else can take it, and not listening."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]
