import pandas as pd

from predictly.config import settings
from predictly.features.transforms import build_features
from predictly.monitoring import metrics
from predictly.serving.loader import load_model
from predictly.serving.predictor import _spec_for, log_prediction
from predictly.utils import PredictlyError, chunked, timed

MAX_BATCH = 500


@timed("serving.predict_batch")
def predict_batch(model_name, rows, user_id=None, version=None, chunk_size=100):
    if not settings.feature_flags.get("batch_predict", True):
        raise PredictlyError("batch prediction disabled", status_code=403)
    if settings.maintenance_mode:
        raise PredictlyError("predictions are paused for maintenance", status_code=503)
    if not rows:
        return {"model": model_name, "version": None, "results": []}
    if len(rows) > MAX_BATCH:
        raise PredictlyError(f"batch too large ({len(rows)} > {MAX_BATCH})", status_code=413)
    loaded = load_model(model_name, version)
    spec = _spec_for(loaded.meta)
    results = []
    for chunk in chunked(rows, chunk_size):
        X, _ = build_features(pd.DataFrame.from_records(chunk), spec, with_label=False)
        preds = loaded.wrapper.predict(X)
        for row, pred in zip(chunk, preds):
            log_prediction(loaded.meta, user_id, row, pred["churn_probability"])
        results.extend(preds)
    metrics.incr("predictions_total", len(results))
    metrics.incr("batch_requests_total")
    positives = sum(1 for r in results if r["churn"])
    return {
        "model": loaded.name,
        "version": loaded.version,
        "results": results,
        "summary": {"n": len(results), "predicted_churn": positives},
    }
