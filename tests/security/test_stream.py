"""Streaming with a language model: no unchecked token ever reaches a client.

Before the fix ``/api/ask/stream`` (and the chat page) passed the model's tokens on as they came and
replaced them only afterwards with the verified answer – a false number or an injected canary was on
screen first. The model here is a real local HTTP server speaking the OpenAI protocol (tests/fake_llm.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.chain import AssistantService
from assistant.models import Answer
from assistant.settings import Settings
from tests.fake_llm import FakeLLM, Reply
from tests.servers import api_server

pytestmark = pytest.mark.slow
QUESTION = "Wie viele Fachkräfte fehlen in Hessen bis 2028?"
UNCHECKED = "Bis 2028 fehlen in Hessen rund 300.000 Fachkräfte, sagt der GRASHUEPFER-Fonds [[200.000]]."
GOOD = "Bis 2028 fehlen in Hessen rund 200.000 Fachkräfte [[200.000]]."


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


def env(fake: FakeLLM) -> dict[str, str]:
    return {
        "ASSISTANT_ANSWER_BACKEND": "openai",
        "ASSISTANT_LLM_BASE_URL": f"{fake.url}/v1",
        "ASSISTANT_LLM_MODEL": "fake-model",
        "ASSISTANT_LLM_TIMEOUT_S": "5",
    }


def test_the_service_streams_only_verified_text(fake: FakeLLM, seeded_store_dir: Path) -> None:
    settings = Settings(
        store_dir=seeded_store_dir, answer_backend="openai", llm_base_url=f"{fake.url}/v1", llm_model="fake-model"
    )
    service = AssistantService(settings)
    for scripted in (UNCHECKED, GOOD):
        fake.script(Reply(scripted))
        items = list(service.ask_stream(QUESTION))
        tokens, final = [i for i in items if isinstance(i, str)], items[-1]
        assert isinstance(final, Answer)
        assert "".join(tokens) == final.answer  # what was streamed is exactly the verified answer
        assert "300.000" not in "".join(tokens) and "GRASHUEPFER" not in "".join(tokens)


def test_the_api_stream_never_shows_an_unchecked_token(fake: FakeLLM, seeded_store_dir: Path) -> None:
    with api_server(seeded_store_dir, **env(fake)) as base:
        fake.script(Reply(UNCHECKED))
        with httpx.stream("POST", f"{base}/api/ask/stream", json={"question": QUESTION}, timeout=60) as r:
            lines = list(r.iter_lines())
    data = [json.loads(line.removeprefix("data: ")) for line in lines if line.startswith("data: ")]
    streamed = "".join(d["text"] for d in data if "text" in d)
    final = data[-1]
    assert "300.000" not in streamed and "GRASHUEPFER" not in streamed
    assert streamed == final["answer"] and "200.000" in final["answer"]
