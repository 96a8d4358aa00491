from fastapi import APIRouter, Request
from pydantic import BaseModel

from predictly import core, db
from predictly.api.deps import require_api_key
from predictly.registry.versions import get_version_row, promote
from predictly.serving.cache import model_cache

router = APIRouter(prefix="/models", tags=["models"])


class PromoteRequest(BaseModel):
    version: int


@router.get("")
@require_api_key("models:read")
def list_all(request: Request):
    return {"models": core.model_overview()}


@router.get("/{name}")
@require_api_key("models:read")
def detail(name: str, request: Request):
    overview = core.model_overview(name)
    # quick stats straight from the predictions table (TODO: move to monitoring)
    stats = db.query_one(
        "SELECT COUNT(*) AS n, AVG(output) AS mean_output FROM predictions WHERE model_name = ?", (name,)
    )
    overview["predictions"] = {"count": stats["n"], "mean_probability": stats["mean_output"]}
    return overview


@router.get("/{name}/versions/{version}")
@require_api_key("models:read")
def version_detail(name: str, version: int, request: Request):
    row = get_version_row(name, version)
    row.pop("path", None)
    return row


@router.post("/{name}/promote")
@require_api_key("models:write")
def promote_version(name: str, body: PromoteRequest, request: Request):
    active = promote(name, body.version)
    model_cache.clear()
    return {"name": name, "active": active}
