import sqlite3

from predictly import db
from predictly.accounts.passwords import hash_password, password_problems, verify_password
from predictly.config import settings
from predictly.utils import Forbidden, NotFound, PredictlyError, now_iso

PUBLIC_FIELDS = ("id", "email", "role", "plan", "created_at")


def _public(row):
    return {k: row[k] for k in PUBLIC_FIELDS} if row else None


def create_user(email, password, plan=None, role="member"):
    # billing.plans imports this module at top level; import here to break the cycle
    from predictly.billing.plans import get_plan

    email = email.strip().lower()
    if "@" not in email:
        raise PredictlyError("invalid email")
    problems = password_problems(password)
    if problems:
        raise PredictlyError("password needs " + ", ".join(problems), status_code=422)
    plan = plan or settings.default_plan
    get_plan(plan)  # raises on unknown plan
    if role == "admin" and count_users() > 0:
        raise Forbidden("only the first user may bootstrap as admin")
    try:
        user_id = db.execute(
            "INSERT INTO users (email, password_hash, role, plan, created_at) VALUES (?, ?, ?, ?, ?)",
            (email, hash_password(password), role, plan, now_iso()),
        )
    except sqlite3.IntegrityError:
        raise PredictlyError("email already registered", status_code=409)
    return get_user(user_id)


def count_users():
    return db.query_one("SELECT COUNT(*) AS n FROM users")["n"]


def get_user(user_id):
    row = db.query_one("SELECT * FROM users WHERE id = ?", (user_id,))
    if row is None:
        raise NotFound(f"user {user_id} not found")
    return _public(row)


def get_user_by_email(email):
    return _public(db.query_one("SELECT * FROM users WHERE email = ?", (email.strip().lower(),)))


def authenticate(email, password):
    row = db.query_one("SELECT * FROM users WHERE email = ?", (email.strip().lower(),))
    if row is None or not verify_password(password, row["password_hash"]):
        raise Forbidden("invalid credentials")
    return _public(row)


def change_plan(user_id, plan):
    from predictly.billing.plans import get_plan

    get_plan(plan)
    db.execute("UPDATE users SET plan = ? WHERE id = ?", (plan, user_id))
    return get_user(user_id)


def list_users():
    return [_public(r) for r in db.query("SELECT * FROM users ORDER BY id")]
