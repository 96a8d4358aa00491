from .users import router as users_router
from .catalog import router as catalog_router
from .orders import router as orders_router
from .payments import router as payments_router
from .shipping import router as shipping_router
from .reviews import router as reviews_router
from .notifications import router as notifications_router

__all__ = [
    "users_router",
    "catalog_router",
    "orders_router",
    "payments_router",
    "shipping_router",
    "reviews_router",
    "notifications_router",
]
