"""Shared service functions used by the HTTP layer.

This started as "just a few helpers" and became the place every handler goes
to for anything cross-cutting. New code should call the domain modules directly.
"""
from predictly import db
from predictly.accounts.api_keys import resolve_key
from predictly.accounts.permissions import check_permission
from predictly.billing.metering import record_usage, usage_summary
from predictly.billing.plans import PLANS, get_plan
from predictly.config import settings
from predictly.monitoring import metrics
from predictly.registry.versions import ACTIVE_MODELS, list_models
from predictly.serving.loader import load_latest
from predictly.utils import NotFound, PredictlyError, log

# --- users / auth ---------------------------------------------------------------------


def get_user_by_api_key(raw_key):
    row = resolve_key(raw_key)
    return {"id": row["id"], "email": row["email"], "role": row["role"], "plan": row["plan"]}


def find_user(user_id):
    row = db.query_one("SELECT id, email, role, plan, created_at FROM users WHERE id = ?", (user_id,))
    if row is None:
        raise NotFound(f"user {user_id} not found")
    return row


def require(user, permission):
    check_permission(user, permission)
    return user


# --- models ---------------------------------------------------------------------------


def load_latest_model(name):
    try:
        return load_latest(name)
    except NotFound:
        metrics.incr("model_not_found")
        raise


def model_overview(name=None):
    models = list_models()
    if name is None:
        return models
    for m in models:
        if m["name"] == name:
            m["serving_version"] = ACTIVE_MODELS.get(name, m["active"])
            return m
    raise NotFound(f"no model named {name!r}")


def count_models_for_user(user_id):
    return db.query_one("SELECT COUNT(DISTINCT name) AS n FROM models WHERE created_by = ?", (user_id,))["n"]


# --- billing --------------------------------------------------------------------------


def charge(user, endpoint, units=None):
    """Meter a billable call. Also bumps the monitoring counter, because the
    dashboards and the invoices have to agree."""
    record_usage(user["id"], endpoint, units)
    metrics.incr(f"billable.{endpoint}", units or 1)


def check_quota(user, endpoint):
    plan = get_plan(user["plan"])
    if endpoint == "train":
        owned = count_models_for_user(user["id"])
        if owned >= plan["max_models"] and user["role"] != "admin":
            raise PredictlyError(f"plan {plan['name']} allows {plan['max_models']} models", status_code=402)
    if plan["overage_cents_per_unit"] == 0:
        used = usage_summary(user["id"], uninvoiced_only=True)["total_units"]
        if used >= plan["included_units"]:
            raise PredictlyError("free quota exhausted; upgrade your plan", status_code=402)
    return plan


def plan_names():
    return sorted(PLANS)


# --- ops ------------------------------------------------------------------------------


def reset_state():
    """Drop every in-process cache. Called by the app factory and by tests."""
    from predictly.features.store import clear_cache
    from predictly.serving.cache import model_cache
    from predictly.training import tasks

    ACTIVE_MODELS.clear()
    model_cache.clear()
    clear_cache()
    tasks.reset()
    metrics.reset()
    settings.maintenance_mode = False
    log.debug("in-process state reset")
