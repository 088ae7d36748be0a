"""Helpers for the attack replays: the real app under a real uvicorn on 127.0.0.1, in this process,
so a test can watch what reaches the model."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import uvicorn

from tests.servers import free_port


@contextlib.contextmanager
def uvicorn_thread(app: Any, **options: Any) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 from a thread until the block ends."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def client_from(address: str, **kwargs: Any) -> httpx.Client:
    """An HTTP client whose connections come from another loopback address (127.0.0.2 …)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), **kwargs)
