from .users import UserRepository
from .catalog import CategoryRepository, ProductRepository
from .orders import OrderRepository
from .payments import PaymentRepository
from .shipping import ShipmentRepository
from .reviews import ReviewRepository
from .notifications import NotificationRepository

__all__ = [
    "UserRepository",
    "CategoryRepository",
    "ProductRepository",
    "OrderRepository",
    "PaymentRepository",
    "ShipmentRepository",
    "ReviewRepository",
    "NotificationRepository",
]
