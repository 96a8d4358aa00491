from typing import Optional

import pandas as pd
from fastapi import APIRouter, Request
from pydantic import BaseModel

from predictly import __version__, db
from predictly.api.deps import require_api_key
from predictly.config import settings
from predictly.features.transforms import build_features
from predictly.monitoring import metrics
from predictly.monitoring.drift import drift_report
from predictly.monitoring.gpu import host_info
from predictly.serving.loader import load_latest
from predictly.serving.predictor import recent_inputs

router = APIRouter(tags=["admin"])


class SettingsPatch(BaseModel):
    maintenance_mode: Optional[bool] = None
    feature_flags: Optional[dict] = None


@router.get("/health")
def health():
    try:
        db.query_one("SELECT 1 AS ok")
        db_ok = True
    except Exception:
        db_ok = False
    return {
        "status": "ok" if db_ok else "degraded",
        "version": __version__,
        "db": db_ok,
        "maintenance": settings.maintenance_mode,
        "host": host_info(),
    }


@router.get("/admin/metrics")
@require_api_key("admin")
def get_metrics(request: Request):
    snap = metrics.snapshot()
    # cheap business gauges, straight from the tables
    for table in ("users", "models", "predictions", "usage_events", "invoices"):
        snap["gauges"][f"rows.{table}"] = db.query_one(f"SELECT COUNT(*) AS n FROM {table}")["n"]
    return snap


@router.get("/admin/drift/{model_name}")
@require_api_key("admin")
def get_drift(model_name: str, request: Request, limit: int = 200):
    loaded = load_latest(model_name)
    rows = recent_inputs(model_name, limit=limit)
    if not rows:
        return {"model": model_name, "n": 0, "drifted_features": [], "features": {}}
    X, _ = build_features(pd.DataFrame.from_records(rows), with_label=False)
    report = drift_report(loaded.meta.reference, X)
    metrics.gauge(f"drift.{model_name}", len(report["drifted_features"]))
    report.update({"model": model_name, "version": loaded.version})
    return report


@router.get("/admin/settings")
@require_api_key("admin")
def get_settings(request: Request):
    return settings.as_dict()


@router.post("/admin/settings")
@require_api_key("admin")
def patch_settings(body: SettingsPatch, request: Request):
    if body.maintenance_mode is not None:
        settings.maintenance_mode = body.maintenance_mode
    if body.feature_flags:
        settings.feature_flags.update(body.feature_flags)
    return settings.as_dict()


@router.get("/admin/users")
@require_api_key("admin")
def all_users(request: Request):
    rows = db.query(
        "SELECT u.id, u.email, u.role, u.plan, COUNT(e.id) AS events FROM users u"
        " LEFT JOIN usage_events e ON e.user_id = u.id GROUP BY u.id ORDER BY u.id"
    )
    return {"users": rows}
