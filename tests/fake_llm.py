"""A local HTTP server that speaks the OpenAI chat-completions protocol (streaming and not, also under
Azure's deployment paths) and Ollama's /api/chat, returning scripted completions.

A scripted reply may contain ``[[needle]]``: it becomes ``[n]`` for the passage (in the request) that
contains the needle, so a script can cite correctly whatever order retrieval returns.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    delay_s: float = 0.0


class FakeLLM:
    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def script(self, *replies: Reply) -> None:
        self.replies = list(replies)

    def _next(self) -> Reply:
        return self.replies.pop(0) if len(self.replies) > 1 else (self.replies[0] if self.replies else Reply())

    @staticmethod
    def resolve(content: str, messages: list[dict[str, Any]]) -> str:
        user = " ".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
        passages = {int(n): text for n, text in re.findall(r'<passage n="(\d+)"[^>]*>(.*?)</passage>', user, re.S)}

        def cite(match: re.Match[str]) -> str:
            hits = [n for n, text in sorted(passages.items()) if match.group(1) in text]
            return f"[{hits[0]}]" if hits else "[1]"

        return re.sub(r"\[\[(.+?)\]\]", cite, content)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                # the client may have given up (the scripted timeout): nothing left to answer then
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._serve()

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append({"path": self.path, "body": request})
                reply = fake._next()
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.status != 200:
                    self._json(reply.status, {"error": {"message": "scripted failure", "type": "server_error"}})
                    return
                content = fake.resolve(reply.content, request.get("messages", []))
                if self.path.split("?")[0].endswith("/chat/completions"):
                    self._openai(request, content)
                elif self.path.startswith("/api/chat"):
                    self._ollama(request, content)
                else:
                    self._json(404, {"error": {"message": "unknown path"}})

            def _openai(self, request: dict[str, Any], content: str) -> None:
                base = {"id": "chatcmpl-fake", "created": int(time.time()), "model": request.get("model", "fake")}
                if not request.get("stream"):
                    self._json(
                        200,
                        {
                            **base,
                            "object": "chat.completion",
                            "choices": [
                                {
                                    "index": 0,
                                    "message": {"role": "assistant", "content": content},
                                    "finish_reason": "stop",
                                }
                            ],
                            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                        },
                    )
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for token in re.findall(r"\S+\s*", content) or [""]:
                    delta = {"index": 0, "delta": {"content": token}, "finish_reason": None}
                    chunk = {**base, "object": "chat.completion.chunk", "choices": [delta]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                end = {
                    **base,
                    "object": "chat.completion.chunk",
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                }
                self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())

            def _ollama(self, request: dict[str, Any], content: str) -> None:
                model = request.get("model", "fake")
                now = time.strftime("%Y-%m-%dT%H:%M:%SZ")
                final = {
                    "model": model, "created_at": now, "message": {"role": "assistant", "content": ""},
                    "done": True, "done_reason": "stop", "total_duration": 1, "load_duration": 1,
                    "prompt_eval_count": 1, "prompt_eval_duration": 1, "eval_count": 1, "eval_duration": 1,
                }  # fmt: skip
                if request.get("stream") is False:
                    self._json(200, {**final, "message": {"role": "assistant", "content": content}})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.end_headers()
                for token in re.findall(r"\S+\s*", content) or [""]:
                    line = {
                        "model": model,
                        "created_at": now,
                        "message": {"role": "assistant", "content": token},
                        "done": False,
                    }
                    self.wfile.write((json.dumps(line) + "\n").encode())
                    self.wfile.flush()
                self.wfile.write((json.dumps(final) + "\n").encode())

        return Handler
