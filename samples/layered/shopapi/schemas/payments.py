from typing import Optional

from pydantic import BaseModel

__all__ = ["PaymentOut", "RefundIn", "RefundOut"]


class PaymentOut(BaseModel):
    id: int
    order_id: int
    amount_cents: int
    currency: str
    status: str
    failure_reason: str = ""


class RefundIn(BaseModel):
    amount_cents: Optional[int] = None
    reason: str = "requested_by_customer"


class RefundOut(BaseModel):
    id: int
    payment_id: int
    amount_cents: int
    reason: str
