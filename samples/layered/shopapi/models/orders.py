from dataclasses import dataclass, field
from datetime import datetime

from shopapi.models.catalog import Product

__all__ = ["Order", "OrderLine", "OrderStatus"]


class OrderStatus:
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"

    TRANSITIONS = {
        PENDING: {PAID, CANCELLED},
        PAID: {SHIPPED, REFUNDED, CANCELLED},
        SHIPPED: {DELIVERED},
        DELIVERED: {REFUNDED},
        CANCELLED: set(),
        REFUNDED: set(),
    }


@dataclass
class OrderLine:
    product_id: int
    sku: str
    name: str
    unit_price_cents: int
    quantity: int

    @classmethod
    def from_product(cls, product: Product, quantity):
        return cls(product.id, product.sku, product.name, product.price_cents, quantity)

    @property
    def total_cents(self):
        return self.unit_price_cents * self.quantity


@dataclass
class Order:
    user_id: int
    lines: list = field(default_factory=list)
    status: str = OrderStatus.PENDING
    shipping_cents: int = 0
    tax_cents: int = 0
    discount_cents: int = 0
    shipping_address: object = None
    created_at: datetime = field(default_factory=datetime.utcnow)
    id: int = 0

    @property
    def subtotal_cents(self):
        return sum(line.total_cents for line in self.lines)

    @property
    def total_cents(self):
        return self.subtotal_cents + self.shipping_cents + self.tax_cents - self.discount_cents

    def can_transition(self, new_status):
        return new_status in OrderStatus.TRANSITIONS.get(self.status, set())

    def contains_product(self, product_id):
        return any(line.product_id == product_id for line in self.lines)
