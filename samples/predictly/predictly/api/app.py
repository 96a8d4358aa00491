from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from predictly import __version__, core, db
from predictly.api.routers import ALL_ROUTERS
from predictly.config import settings
from predictly.monitoring import metrics
from predictly.utils import PredictlyError


def create_app():
    settings.reload()
    db.init_db()
    core.reset_state()

    app = FastAPI(title="Predictly", version=__version__)

    @app.exception_handler(PredictlyError)
    async def predictly_error(request: Request, exc: PredictlyError):
        metrics.incr(f"errors.{exc.status_code}")
        return JSONResponse(status_code=exc.status_code, content={"error": exc.message})

    @app.middleware("http")
    async def count_requests(request: Request, call_next):
        response = await call_next(request)
        metrics.incr("http_requests_total")
        return response

    for router in ALL_ROUTERS:
        app.include_router(router)
    return app


app = create_app()
