"""Production login for the staff API: bearer tokens (JWT) from the ministry's OpenID Connect provider,
checked against that issuer's published keys (discovery document → JWKS) with PyJWT.

A token counts when its signature verifies with one of the issuer's keys, ``iss`` is the issuer,
``aud`` the configured audience, it has not expired, and its roles claim contains the admin role. The
issuer must use https (http only on loopback, for tests and a local provider).
"""

from __future__ import annotations

import ipaddress
import threading
from typing import Any
from urllib.parse import urlparse

from assistant.errors import AssistantError, ConfigurationError


class TokenRejected(AssistantError):
    """The token is not valid for the staff area (the reason goes to the log, not to the client)."""


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class OidcVerifier:
    def __init__(self, issuer: str, audience: str, role: str, roles_claim: str = "roles") -> None:
        parsed = urlparse(issuer)
        if parsed.scheme != "https" and not (parsed.scheme == "http" and _loopback(parsed.hostname or "")):
            raise ConfigurationError("ASSISTANT_OIDC_ISSUER muss eine https-Adresse sein.")
        if not audience:
            raise ConfigurationError("ASSISTANT_OIDC_AUDIENCE fehlt (die Client-ID der Anwendung beim Anbieter).")
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.role = role
        self.roles_claim = roles_claim
        self._jwks: Any = None
        self._lock = threading.Lock()

    def _keys(self) -> Any:
        with self._lock:
            if self._jwks is None:
                import httpx
                from jwt import PyJWKClient

                discovery = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=10).json()
                self._jwks = PyJWKClient(discovery["jwks_uri"], cache_keys=True, lifespan=3600)
            return self._jwks

    def verify(self, token: str) -> str:
        """The staff member's name (preferred_username, email or sub) of a valid admin token."""
        import jwt

        try:
            key = self._keys().get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
                leeway=30,
            )
        except Exception as exc:  # noqa: BLE001 - any failure is a rejected token (logged by type only)
            raise TokenRejected(type(exc).__name__) from exc
        roles = claims.get(self.roles_claim) or []
        if isinstance(roles, str):
            roles = roles.split()
        if self.role not in roles:
            raise TokenRejected("missing role")
        return str(claims.get("preferred_username") or claims.get("email") or claims["sub"])[:200]
