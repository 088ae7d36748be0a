"""Staff API with the production login: bearer tokens checked against an OpenID Connect issuer's
discovery document and keys, served on loopback; the test signs tokens as the provider would."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.servers import api_server, static_site

pytestmark = pytest.mark.slow


def _issuer_files(root: Path, issuer: str, public_key: Any) -> None:
    (root / ".well-known").mkdir(parents=True)
    jwk = json.loads(RSAAlgorithm.to_jwk(public_key)) | {"kid": "k1", "use": "sig", "alg": "RS256"}
    (root / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
    (root / ".well-known" / "openid-configuration").write_text(
        json.dumps(
            {"issuer": issuer, "jwks_uri": f"{issuer}/jwks.json", "id_token_signing_alg_values_supported": ["RS256"]}
        )
    )


def test_bearer_tokens_of_the_issuer_open_the_staff_area_and_nothing_else(
    seeded_store_dir: Path, tmp_path: Path
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    site = tmp_path / "issuer"
    site.mkdir()
    with static_site(site) as issuer:
        _issuer_files(site, issuer, key.public_key())

        def token(signer: Any = key, **changes: Any) -> str:
            claims = {"iss": issuer, "aud": "fachkraefte-assistent", "sub": "u-17", "exp": int(time.time()) + 300,
                      "preferred_username": "m.beispiel", "roles": ["assistant-admin"]} | changes  # fmt: skip
            return jwt.encode(claims, signer, algorithm="RS256", headers={"kid": "k1"})

        env = {
            "ASSISTANT_OIDC_ISSUER": issuer,
            "ASSISTANT_OIDC_AUDIENCE": "fachkraefte-assistent",
            "ASSISTANT_FEEDBACK_DB": str(tmp_path / "s.db"),
        }
        with api_server(seeded_store_dir, **env) as api:

            def get(bearer: str) -> httpx.Response:
                return httpx.get(f"{api}/api/admin/audit", headers={"Authorization": f"Bearer {bearer}"}, timeout=30)

            assert get(token()).status_code == 200
            unsigned = jwt.encode(jwt.decode(token(), options={"verify_signature": False}), None, algorithm="none")
            for bad in (
                token(aud="another-app"),
                token(exp=int(time.time()) - 3600),
                token(roles=["reader"]),
                token(iss="https://evil.example"),
                token(signer=stranger),
                unsigned,
                "not-a-jwt",
            ):
                r = get(bad)
                assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer"), bad[:40]
            # no local account: Basic is refused, never a default password
            assert httpx.get(f"{api}/api/admin/audit", auth=("admin", "admin"), timeout=30).status_code == 401
            audit = get(token()).json()
            assert ("m.beispiel", "audit_viewed") in [(a["actor"], a["action"]) for a in audit]
            assert httpx.post(f"{api}/api/ask", json={"question": "Wie viele Fachkräfte fehlen?"}).status_code == 200
