from typing import List, Optional

from fastapi import APIRouter, Request
from pydantic import BaseModel

from predictly import core
from predictly.accounts.permissions import check_plan_gate
from predictly.api.deps import require_api_key, user_of
from predictly.serving.batch import predict_batch
from predictly.serving.predictor import predict_one
from predictly.utils import timed

router = APIRouter(prefix="/predict", tags=["predictions"])


class PredictRequest(BaseModel):
    model: str
    features: dict
    version: Optional[int] = None
    explain: bool = False


class BatchRequest(BaseModel):
    model: str
    rows: List[dict]
    version: Optional[int] = None


@router.post("")
@require_api_key("predict")
@timed("api.predict")
def predict(body: PredictRequest, request: Request):
    user = user_of(request)
    core.check_quota(user, "predict")
    result = predict_one(body.model, body.features, user_id=user["id"], version=body.version,
                         explain=body.explain)
    core.charge(user, "predict")
    return result


@router.post("/batch")
@require_api_key("predict")
@timed("api.predict_batch")
def predict_many(body: BatchRequest, request: Request):
    user = user_of(request)
    check_plan_gate(user, "batch")
    core.check_quota(user, "predict")
    out = predict_batch(body.model, body.rows, user_id=user["id"], version=body.version)
    core.charge(user, "predict_batch_row", len(out["results"]))
    return out
