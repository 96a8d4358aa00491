import hashlib

from shopapi.config import settings
from shopapi.models import Payment, PaymentStatus, Refund
from shopapi.repositories.payments import PaymentRepository


class PaymentDeclined(Exception):
    pass


class FakePayGateway:
    """Deterministic stand-in for the PSP: cards ending in 0002 are declined."""

    def charge(self, amount_cents, currency, token):
        if token.endswith("0002"):
            return {"ok": False, "reason": "card_declined"}
        ref = hashlib.sha1(f"{token}:{amount_cents}:{currency}".encode()).hexdigest()[:12]
        return {"ok": True, "ref": f"fp_{ref}"}

    def refund(self, provider_ref, amount_cents):
        return {"ok": True, "ref": f"{provider_ref}_r{amount_cents}"}


GATEWAYS = {"fakepay": FakePayGateway}


class PaymentService:
    def __init__(self, repo=None, gateway=None):
        self.repo = repo or PaymentRepository()
        self.gateway = gateway or GATEWAYS[settings.payment_provider]()

    def charge_order(self, order, method, card_token):
        if self.repo.captured_for_order(order.id):
            raise PaymentDeclined(f"order {order.id} already paid")
        payment = Payment(order_id=order.id, amount_cents=order.total_cents, currency=settings.currency,
                          method=method)
        result = self.gateway.charge(payment.amount_cents, payment.currency, card_token)
        if not result["ok"]:
            payment.status = PaymentStatus.FAILED
            payment.failure_reason = result["reason"]
            self.repo.add(payment)
            raise PaymentDeclined(result["reason"])
        payment.status = PaymentStatus.CAPTURED
        payment.provider_ref = result["ref"]
        return self.repo.add(payment)

    def refund(self, order_id, amount_cents=None, reason="requested_by_customer"):
        payment = self.repo.captured_for_order(order_id)
        if payment is None:
            raise PaymentDeclined(f"no captured payment for order {order_id}")
        already = self.repo.refunded_total(payment.id)
        amount = amount_cents if amount_cents is not None else payment.amount_cents - already
        if amount <= 0 or already + amount > payment.amount_cents:
            raise PaymentDeclined("refund exceeds captured amount")
        self.gateway.refund(payment.provider_ref, amount)
        refund = self.repo.add_refund(Refund(payment_id=payment.id, amount_cents=amount, reason=reason))
        if already + amount == payment.amount_cents:
            payment.status = PaymentStatus.REFUNDED
            self.repo.save(payment)
        return refund

    def history(self, order_id):
        return self.repo.for_order(order_id)


payment_service = PaymentService()
