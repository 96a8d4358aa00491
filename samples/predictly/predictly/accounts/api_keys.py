import hashlib
import secrets

from predictly import db
from predictly.utils import Forbidden, now_iso

KEY_PREFIX = "pk_"


def _hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(user_id):
    raw = KEY_PREFIX + secrets.token_urlsafe(24)
    key_id = db.execute(
        "INSERT INTO api_keys (user_id, key_hash, prefix, created_at) VALUES (?, ?, ?, ?)",
        (user_id, _hash(raw), raw[:8], now_iso()),
    )
    return {"id": key_id, "key": raw, "prefix": raw[:8]}


def resolve_key(raw):
    if not raw or not raw.startswith(KEY_PREFIX):
        raise Forbidden("missing or malformed API key", status_code=401)
    row = db.query_one(
        "SELECT k.id AS key_id, k.revoked, u.id, u.email, u.role, u.plan FROM api_keys k"
        " JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?",
        (_hash(raw),),
    )
    if row is None or row["revoked"]:
        raise Forbidden("invalid API key", status_code=401)
    return row


def revoke_key(user_id, key_id):
    db.execute("UPDATE api_keys SET revoked = 1 WHERE id = ? AND user_id = ?", (key_id, user_id))


def list_keys(user_id):
    return db.query(
        "SELECT id, prefix, revoked, created_at FROM api_keys WHERE user_id = ? ORDER BY id", (user_id,)
    )
