"""Finding 1 (high): one client stalled everyone within its own rate limit.

Replay: 30 parallel /api/ask requests from one address, each a 1,000-character question of random words,
while another address asks normal questions. Before the fix every flood request was worked on at once
(the whole question embedded, up to 40 threads), and the normal question waited behind them.
No timing asserts: the tests check what reaches the model, how much model work runs at once, and that
a saturated server refuses at once with 503/429, ``Retry-After`` and a German JSON error.
"""

from __future__ import annotations

import random
import string
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from assistant.api import create_app
from assistant.chain import AssistantService
from assistant.settings import Settings
from tests.security.conftest import client_from, uvicorn_thread

pytestmark = pytest.mark.slow
NORMAL = "Wie viele Fachkräfte fehlen in Hessen bis 2028?"


def random_question(seed: int, length: int = 1000) -> str:
    rng = random.Random(seed)
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        words.append("".join(rng.choices(string.ascii_lowercase + "äöü", k=rng.randint(3, 11))))
    return " ".join(words)[: length - 1] + "?"


class Spy:
    """Counts calls running at once and records the texts the embedding model is given."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.query_lengths: list[int] = []

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.running += 1
                self.peak = max(self.peak, self.running)
            try:
                return fn(*args, **kwargs)
            finally:
                with self.lock:
                    self.running -= 1

        return call

    # the Embeddings interface, delegated
    def embed_query(self, text: str) -> list[float]:
        with self.lock:
            self.query_lengths.append(len(text))
        return list(self.inner.embed_query(text))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return list(self.inner.embed_documents(texts))


@pytest.fixture
def spied(service: AssistantService, monkeypatch: pytest.MonkeyPatch) -> Iterator[Spy]:
    spy = Spy(service.store.model_embeddings.inner)
    monkeypatch.setattr(service.store.model_embeddings, "inner", spy)
    monkeypatch.setattr(service, "ask", spy.wrap(service.ask))
    yield spy


def api_settings(**overrides: Any) -> Settings:
    return Settings(**{"rate_limit": "100000/minute", **overrides})


def assert_refusal_is_german_json_with_retry_after(response: httpx.Response) -> None:
    assert response.status_code in (429, 503), response.text
    assert int(response.headers["retry-after"]) >= 1
    error = response.json()["error"]
    assert error["code"] and any(w in error["message"] for w in ("Bitte", "Anfragen", "ausgelastet"))
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_flood_from_one_address_is_bounded_and_others_are_answered(service: AssistantService, spied: Spy) -> None:
    settings = api_settings()
    with uvicorn_thread(create_app(settings, service)) as base:
        flood_results: list[httpx.Response] = []

        def flood(seed: int) -> httpx.Response:
            with client_from("127.0.0.1", timeout=300) as http:
                return http.post(f"{base}/api/ask", json={"question": random_question(seed)})

        with ThreadPoolExecutor(max_workers=30) as pool:
            futures = [pool.submit(flood, seed) for seed in range(30)]
            with client_from("127.0.0.2", timeout=300) as other:
                normal = [other.post(f"{base}/api/ask", json={"question": NORMAL}) for _ in range(3)]
            flood_results = [f.result() for f in futures]

    for response in normal:
        assert response.status_code == 200, response.text
        assert response.json()["answered"] and "200.000" in response.json()["answer"]
    refused = [r for r in flood_results if r.status_code != 200]
    assert refused, "30 parallel questions from one address were all worked on"
    for response in refused:
        assert_refusal_is_german_json_with_retry_after(response)
    # the model never sees more than the capped head of a question …
    assert max(spied.query_lengths) <= service.settings.query_embed_max_chars
    # … and no more questions are worked on at once than configured (one client's share included)
    assert spied.peak <= settings.model_concurrency


class Blocker:
    """Holds every question in work until released, so a test can fill the server deterministically."""

    def __init__(self, service: AssistantService) -> None:
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()
        self.real = service.ask

    def ask(self, *args: Any, **kwargs: Any) -> Any:
        self.entered.release()
        assert self.release.wait(120)
        return self.real(*args, **kwargs)


def test_a_saturated_server_answers_503_with_retry_after_at_once(
    service: AssistantService, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = Blocker(service)
    monkeypatch.setattr(service, "ask", blocker.ask)
    settings = api_settings(model_concurrency=1, model_queue=0)
    with uvicorn_thread(create_app(settings, service)) as base, ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(lambda: httpx.post(f"{base}/api/ask", json={"question": NORMAL}, timeout=120))
        assert blocker.entered.acquire(timeout=60)  # the only worker is busy
        try:
            with client_from("127.0.0.2", timeout=120) as other:
                second = other.post(f"{base}/api/ask", json={"question": NORMAL})
                check = other.post(f"{base}/api/check", json={"statement": "Bis 2028 fehlen 200.000 Fachkräfte."})
        finally:
            blocker.release.set()
        assert first.result().status_code == 200
    for response in (second, check):
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "overloaded"
        assert_refusal_is_german_json_with_retry_after(response)


def test_one_client_gets_only_its_share_of_the_workers(
    service: AssistantService, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = Blocker(service)
    monkeypatch.setattr(service, "ask", blocker.ask)
    settings = api_settings(model_concurrency=2, per_client_concurrency=1)
    with uvicorn_thread(create_app(settings, service)) as base, ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(lambda: httpx.post(f"{base}/api/ask", json={"question": NORMAL}, timeout=120))
        assert blocker.entered.acquire(timeout=60)
        try:
            again = httpx.post(f"{base}/api/ask/stream", json={"question": NORMAL}, timeout=120)
            with client_from("127.0.0.2", timeout=120) as other:
                other_client = pool.submit(lambda: other.post(f"{base}/api/ask", json={"question": NORMAL}))
                assert blocker.entered.acquire(timeout=60)  # another address still gets a worker
                blocker.release.set()
                assert other_client.result().status_code == 200
        finally:
            blocker.release.set()
        assert first.result().status_code == 200
    assert again.status_code == 429 and again.json()["error"]["code"] == "too_many_parallel_requests"
    assert_refusal_is_german_json_with_retry_after(again)
