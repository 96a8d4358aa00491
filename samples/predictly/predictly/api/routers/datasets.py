from typing import Optional

from fastapi import APIRouter, Request
from pydantic import BaseModel

from predictly import core
from predictly.api.deps import require_api_key, user_of
from predictly.ingestion.datasets import append_rows, describe_dataset, list_datasets, save_dataset
from predictly.ingestion.events import EventSource
from predictly.ingestion.loaders import load_csv, load_json_file, load_json_records
from predictly.utils import PredictlyError

router = APIRouter(prefix="/datasets", tags=["datasets"])


class IngestRequest(BaseModel):
    name: str
    source: str = "csv"  # csv | json | records | events
    path: Optional[str] = None
    records: Optional[list] = None
    seed: int = 0
    batches: int = 3
    batch_size: int = 10
    append: bool = False


def _load(body: IngestRequest):
    if body.source == "csv":
        if not body.path:
            raise PredictlyError("path is required for csv")
        return load_csv(body.path)
    if body.source == "json":
        if not body.path:
            raise PredictlyError("path is required for json")
        return load_json_file(body.path)
    if body.source == "records":
        return load_json_records(body.records)
    if body.source == "events":
        return EventSource(seed=body.seed).drain(batches=body.batches, batch_size=body.batch_size)
    raise PredictlyError(f"unknown source {body.source!r}")


@router.post("", status_code=201)
@require_api_key("datasets:write")
def ingest(body: IngestRequest, request: Request):
    user = user_of(request)
    df = _load(body)
    if body.append:
        info = append_rows(body.name, df, source=body.source)
    else:
        info = save_dataset(body.name, df, source=body.source)
    core.charge(user, "ingest")
    return info


@router.get("")
@require_api_key()
def index(request: Request):
    return {"datasets": list_datasets()}


@router.get("/{name}")
@require_api_key()
def show(name: str, request: Request):
    return describe_dataset(name)
