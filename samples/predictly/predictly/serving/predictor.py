from typing import TYPE_CHECKING

from predictly import db
from predictly.config import settings
from predictly.features.spec import FeatureSpec
from predictly.features.transforms import build_features, row_to_frame
from predictly.monitoring import metrics
from predictly.serving.loader import load_model
from predictly.utils import PredictlyError, dumps, now_iso, timed

if TYPE_CHECKING:
    from predictly.registry.metadata import ModelMetadata


def _spec_for(meta: "ModelMetadata"):
    from predictly.features.spec import FEATURE_SPEC

    if meta.feature_spec_version != FEATURE_SPEC.version:
        raise PredictlyError(
            f"model {meta.key} was trained on feature spec v{meta.feature_spec_version}, "
            f"serving has v{FEATURE_SPEC.version}; retrain",
            status_code=409,
        )
    return FEATURE_SPEC


def log_prediction(meta, user_id, features, probability):
    db.execute(
        "INSERT INTO predictions (model_name, model_version, user_id, inputs, output, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (meta.name, meta.version, user_id, dumps(features), float(probability), now_iso()),
    )


@timed("serving.predict_one")
def predict_one(model_name, features: dict, user_id=None, version=None, explain=False):
    if settings.maintenance_mode:
        raise PredictlyError("predictions are paused for maintenance", status_code=503)
    loaded = load_model(model_name, version)
    spec: FeatureSpec = _spec_for(loaded.meta)
    X, _ = build_features(row_to_frame(features), spec, with_label=False)
    result = loaded.wrapper.predict(X)[0]
    if explain and hasattr(loaded.wrapper, "explain"):
        result["top_features"] = loaded.wrapper.explain(X)[0]
    log_prediction(loaded.meta, user_id, features, result["churn_probability"])
    metrics.incr("predictions_total")
    metrics.incr(f"predictions.{loaded.name}")
    result.update({"model": loaded.name, "version": loaded.version})
    return result


def recent_inputs(model_name, limit=200):
    rows = db.query(
        "SELECT inputs FROM predictions WHERE model_name = ? ORDER BY id DESC LIMIT ?", (model_name, limit)
    )
    from predictly.utils import loads
    return [loads(r["inputs"]) for r in rows]
