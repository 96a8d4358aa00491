from .users import UserService, AuthError, user_service
from .catalog import CatalogService, OutOfStock, catalog_service
from .notifications import NotificationService, notification_service
from .payments import PaymentService, PaymentDeclined, payment_service
from .shipping import ShippingService, shipping_service
from .orders import OrderService, OrderError, order_service
from .reviews import ReviewService, ReviewError, review_service
