"""High-entropy API keys "<prefix>.<secret>": stored as SHA-256, compared in constant time.

bcrypt is for passwords only: a key is checked on every reading, so it must cost microseconds.
"""

import hashlib
import hmac
import secrets
from typing import NamedTuple

PREFIX_BYTES = 9  # 12 url-safe characters, the indexed lookup part
SECRET_BYTES = 32  # 256 bits of entropy


class IssuedKey(NamedTuple):
    token: str  # shown to the caller once
    prefix: str
    digest: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(kind: str = "") -> IssuedKey:
    """Create a new key; `kind` is a readable tag such as 'sa' for service accounts."""
    prefix = kind + secrets.token_urlsafe(PREFIX_BYTES)
    token = f"{prefix}.{secrets.token_urlsafe(SECRET_BYTES)}"
    return IssuedKey(token, prefix, digest(token))


def split_prefix(token: str) -> str | None:
    """Return the lookup prefix of a presented key, or None if it is not shaped like one."""
    if not token or len(token) > 200 or token.count(".") != 1:
        return None
    prefix, secret = token.split(".")
    return prefix if prefix and secret else None


def matches(token: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(token), stored_digest)
