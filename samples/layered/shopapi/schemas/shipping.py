from datetime import date
from typing import List, Optional

from pydantic import BaseModel

__all__ = ["RateOut", "QuoteRequest", "ShipmentOut", "ShipRequest"]


class QuoteRequest(BaseModel):
    subtotal_cents: int
    weight_grams: int
    country: str = "FR"


class RateOut(BaseModel):
    carrier: str
    service: str
    price_cents: int
    eta_days: int


class ShipRequest(BaseModel):
    carrier: str = "laposte"


class ShipmentOut(BaseModel):
    id: int
    order_id: int
    carrier: str
    tracking_number: str
    status: str
    events: List[str] = []
    estimated_delivery: Optional[date] = None
