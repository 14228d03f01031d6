"""HMAC-SHA256 signatures shared by the inbound API, webhooks and the widget's identified clients (layer: records and infrastructure)."""

import hashlib
import hmac
import secrets

SIGNATURE_PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
	return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_valid(secret: str, body: bytes, signature: str | None) -> bool:
	"""Constant-time check; a signature may be given with or without the `sha256=` prefix."""
	if not secret or not signature:
		return False
	given = signature.strip()
	if not given.startswith(SIGNATURE_PREFIX):
		given = SIGNATURE_PREFIX + given
	return same(sign(secret, body), given)


def same(expected: str, given) -> bool:
	"""Constant-time equality of a computed signature or token and the one sent, whatever was sent
	(compare_digest refuses str with characters beyond ASCII)."""
	return hmac.compare_digest(expected.encode(), str(given or "").encode())


def new_secret() -> str:
	return secrets.token_urlsafe(32)
