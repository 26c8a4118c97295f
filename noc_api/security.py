"""Secrets: passwords (argon2), site tokens (random, stored as SHA-256) and signed tokens (sessions, links)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from noc_api.settings import Settings

_hasher = PasswordHasher()
TOKEN_PREFIX = "ccis_"
SESSION_PREFIX = "ccis_s_"
SESSION_COOKIE = "ccis_session"
SESSION_SECONDS = 12 * 3600  # one shift


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_site_token() -> str:
    """A fresh bearer token for a site agent (shown once, never stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.signing_key, salt=f"ccis-{purpose}")


def sign(settings: Settings, purpose: str, payload: object) -> str:
    """A signed, URL-safe token for ``purpose`` (sessions, acknowledgement links, feedback links...)."""
    return _serializer(settings, purpose).dumps(payload)


def unsign(settings: Settings, purpose: str, token: str, max_age: int) -> object:
    """The payload of a token signed for ``purpose``; ValueError when forged or expired."""
    try:
        return _serializer(settings, purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValueError("link expired") from None
    except BadSignature:
        raise ValueError("invalid link") from None


def link_digest(token: str) -> str:
    """What is kept of a single-use link once it was used."""
    return token_digest(token)
