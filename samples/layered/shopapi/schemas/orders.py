from typing import List, Optional

from pydantic import BaseModel, Field

from shopapi.schemas.users import AddressIn, AddressOut

__all__ = ["OrderItemIn", "OrderCreate", "OrderLineOut", "OrderOut"]


class OrderItemIn(BaseModel):
    product_id: int
    quantity: int = Field(default=1, ge=1, le=99)


class OrderCreate(BaseModel):
    items: List[OrderItemIn]
    card_token: str
    payment_method: str = "card"
    coupon: Optional[str] = None
    address: Optional[AddressIn] = None


class OrderLineOut(BaseModel):
    product_id: int
    sku: str
    name: str
    unit_price_cents: int
    quantity: int
    total_cents: int


class OrderOut(BaseModel):
    id: int
    status: str
    lines: List[OrderLineOut]
    subtotal_cents: int
    shipping_cents: int
    tax_cents: int
    discount_cents: int
    total_cents: int
    shipping_address: Optional[AddressOut] = None

    @classmethod
    def from_model(cls, order):
        return cls(
            id=order.id,
            status=order.status,
            lines=[OrderLineOut(product_id=l.product_id, sku=l.sku, name=l.name,
                                unit_price_cents=l.unit_price_cents, quantity=l.quantity,
                                total_cents=l.total_cents) for l in order.lines],
            subtotal_cents=order.subtotal_cents,
            shipping_cents=order.shipping_cents,
            tax_cents=order.tax_cents,
            discount_cents=order.discount_cents,
            total_cents=order.total_cents,
            shipping_address=AddressOut(**vars(order.shipping_address)) if order.shipping_address else None,
        )
