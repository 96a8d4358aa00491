import logging

from fastapi import FastAPI

from shopapi import __version__
from shopapi.config import settings
from shopapi.db import get_db
from shopapi.routers import (
    catalog_router,
    notifications_router,
    orders_router,
    payments_router,
    reviews_router,
    shipping_router,
    users_router,
)


def create_app() -> FastAPI:
    logging.basicConfig(level=logging.INFO if settings.environment == "dev" else logging.WARNING)
    app = FastAPI(title="Shop API", version=__version__)
    for router in (users_router, catalog_router, orders_router, payments_router, shipping_router,
                   reviews_router, notifications_router):
        app.include_router(router)

    @app.get("/health")
    def health():
        db = get_db()
        return {"status": "ok", "env": settings.environment, "orders": len(db.table("orders").all())}

    return app


app = create_app()
