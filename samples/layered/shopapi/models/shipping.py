from dataclasses import dataclass, field
from datetime import date

__all__ = ["Shipment", "ShippingRate", "ShipmentStatus"]


class ShipmentStatus:
    LABEL_CREATED = "label_created"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    RETURNED = "returned"


@dataclass
class ShippingRate:
    carrier: str
    service: str
    price_cents: int
    eta_days: int


@dataclass
class Shipment:
    order_id: int
    carrier: str
    tracking_number: str
    address: object
    status: str = ShipmentStatus.LABEL_CREATED
    events: list = field(default_factory=list)
    estimated_delivery: date = None
    id: int = 0
