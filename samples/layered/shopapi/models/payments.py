from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["Payment", "PaymentStatus", "Refund"]


class PaymentStatus:
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    FAILED = "failed"
    REFUNDED = "refunded"


@dataclass
class Payment:
    order_id: int
    amount_cents: int
    currency: str
    method: str
    provider_ref: str = ""
    status: str = PaymentStatus.AUTHORIZED
    failure_reason: str = ""
    created_at: datetime = field(default_factory=datetime.utcnow)
    id: int = 0


@dataclass
class Refund:
    payment_id: int
    amount_cents: int
    reason: str
    created_at: datetime = field(default_factory=datetime.utcnow)
    id: int = 0
