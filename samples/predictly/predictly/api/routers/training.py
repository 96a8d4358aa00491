from typing import Optional

from fastapi import APIRouter, Request
from pydantic import BaseModel

from predictly import core
from predictly.api.deps import require_api_key, user_of
from predictly.training.tasks import JOBS, submit
from predictly.utils import NotFound

router = APIRouter(tags=["training"])


class TrainRequest(BaseModel):
    dataset: str
    algorithm: str = "logreg"
    params: Optional[dict] = None
    model_name: Optional[str] = None
    threshold: float = 0.5
    tune: bool = False


@router.post("/train", status_code=201)
@require_api_key("train")
def train(body: TrainRequest, request: Request):
    user = user_of(request)
    core.check_quota(user, "train")
    if body.tune:
        job_id, meta = submit("tune", body.dataset, algorithm=body.algorithm, user_id=user["id"])
    else:
        job_id, meta = submit(
            "train", body.dataset, algorithm=body.algorithm, params=body.params,
            model_name=body.model_name, user_id=user["id"], threshold=body.threshold,
        )
    core.charge(user, "train")
    return {"job_id": job_id, "model": meta.public()}


@router.get("/jobs/{job_id}")
@require_api_key()
def job_status(job_id: int, request: Request):
    job = JOBS.get(job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job
