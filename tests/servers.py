"""Real servers for tests: the API and Streamlit as subprocesses, a static host page in a thread."""

from __future__ import annotations

import contextlib
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from assistant.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running(
    cmd: list[str], health_url: str, env: dict[str, str], timeout: float = 180, cwd: Path = PROJECT_ROOT
) -> Iterator[None]:
    log = open(os.devnull, "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **env}, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early: {cmd}")
            try:
                if httpx.get(health_url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not healthy in {timeout}s: {cmd}")
            time.sleep(0.3)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextlib.contextmanager
def api_server(store_dir: Path, cors_origins: list[str] | None = None, **extra_env: str) -> Iterator[str]:
    port = free_port()
    env = {"ASSISTANT_STORE_DIR": str(store_dir), **extra_env}
    if cors_origins is not None:
        import json

        env["ASSISTANT_CORS_ORIGINS"] = json.dumps(cors_origins)
    cmd = [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with running(cmd, f"{base}/api/health/live", env):
        yield base


@contextlib.contextmanager
def static_site(root: Path) -> Iterator[str]:
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(root), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def oidc_provider(username: str, roles: str) -> Iterator[str]:
    """An OpenID Connect provider on loopback (oauth2-mock-server from the npm registry, installed by
    `make browser-deps`): authorization code flow, discovery, JWKS. Every token names ``username`` with
    ``roles`` (comma-separated). Yields the issuer URL."""
    port = free_port()
    script = PROJECT_ROOT / "tests" / "ui" / "oidc_provider.mjs"
    cmd = ["node", str(script), str(port), username, roles]
    with running(cmd, f"http://127.0.0.1:{port}/.well-known/openid-configuration", {}):
        yield f"http://localhost:{port}"
