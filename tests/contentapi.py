"""A stand-in for GOV.UK's Content API on 127.0.0.1, speaking its documented shape.

GET /api/content/<path> answers 200 with the page's JSON, an ETag and a Last-Modified date;
304 when If-None-Match carries the current ETag; 410 for a withdrawn page; 404 for a path
it does not know. A path in `hanging` is answered only after `hang_seconds` (longer than
the client waits), and one in `closing` gets its connection closed without an answer.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/api/content"


def page(base_path: str, title: str, body: str, updated: str = "2026-03-05T10:00:00.000+00:00",
         description: str = "", document_type: str = "guidance") -> dict:
    return {"base_path": base_path, "title": title, "description": description,
            "document_type": document_type, "public_updated_at": updated,
            "first_published_at": "2024-01-10T09:00:00.000+00:00", "details": {"body": body}}


class ContentAPI:
    def __init__(self) -> None:
        self.pages: dict[str, dict] = {}  # base path -> JSON
        self.withdrawn: set[str] = set()
        self.hanging: set[str] = set()
        self.closing: set[str] = set()
        self.hang_seconds = 4.0
        self.requests: list[tuple[float, str, dict]] = []  # (time, path, headers)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                owner.requests.append((time.monotonic(), self.path, dict(self.headers)))
                path = self.path.removeprefix(PREFIX)
                if path in owner.closing:
                    self.close_connection = True
                    self.connection.close()
                    return
                if path in owner.hanging:
                    time.sleep(owner.hang_seconds)
                if path in owner.withdrawn:
                    return self._reply(410, {"error": {"code": 410, "message": "gone"}})
                data = owner.pages.get(path)
                if not self.path.startswith(PREFIX) or data is None:
                    return self._reply(404, {"error": {"code": 404}})
                raw = json.dumps(data).encode()
                etag = '"' + hashlib.sha256(raw).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self._reply(200, data, {"ETag": etag,
                                        "Last-Modified": "Thu, 05 Mar 2026 10:00:00 GMT"})

            def _reply(self, status: int, data: dict, headers: dict | None = None) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                for key, value in {**(headers or {}), "Content-Type": "application/json",
                                   "Content-Length": str(len(raw))}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}{PREFIX}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
