"""Local admin accounts for a single machine (the embedded default): scrypt password hashes in a JSON
file set by ``python -m assistant admin set-password``. There is no default password: without an
account, the staff area is closed. Every admin action is written to the audit log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from assistant.errors import AssistantError
from assistant.staff.db import admin_audit, engine

_N, _R, _P = 2**14, 8, 1  # scrypt cost (OWASP minimum for scrypt)
MIN_PASSWORD = 12


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)


def set_password(path: Path, user: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AssistantError(f"Das Passwort ist zu kurz (mindestens {MIN_PASSWORD} Zeichen).")
    if not user.strip() or len(user) > 100:
        raise AssistantError("Bitte einen Benutzernamen (höchstens 100 Zeichen) angeben.")
    accounts = _read(path)
    salt = secrets.token_bytes(16)
    accounts[user.strip()] = {
        "salt": base64.b64encode(salt).decode(),
        "hash": base64.b64encode(_hash(password, salt)).decode(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(accounts, indent=1), encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)  # never a half-written file


def _read(path: Path) -> dict[str, dict[str, str]]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise AssistantError("Die Datei mit den Verwaltungskonten ist nicht lesbar.") from exc


def configured(path: Path) -> bool:
    return bool(_read(path))


def verify(path: Path, user: str, password: str) -> bool:
    """Constant-time check; an unknown user costs the same as a wrong password."""
    entry = _read(path).get(user)
    salt = base64.b64decode(entry["salt"]) if entry else b"\0" * 16
    expected = base64.b64decode(entry["hash"]) if entry else b"\0" * 32
    return hmac.compare_digest(_hash(password, salt), expected) and entry is not None


def audit(db_url: str, actor: str, action: str, detail: str = "") -> None:
    with engine(db_url).begin() as db:
        db.execute(
            insert(admin_audit).values(
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                actor=actor[:200],
                action=action[:64],
                detail=detail[:2000],
            )
        )


def audit_entries(db_url: str, limit: int | None = 500, actions: tuple[str, ...] = ()) -> list[dict[str, object]]:
    """Newest first; ``actions`` restricts to those actions (all of them, however old, when ``limit`` is None)."""
    query = select(admin_audit).order_by(admin_audit.c.id.desc()).limit(limit)
    if actions:
        query = query.where(admin_audit.c.action.in_(actions))
    with engine(db_url).connect() as db:
        return [dict(row._mapping) for row in db.execute(query)]
