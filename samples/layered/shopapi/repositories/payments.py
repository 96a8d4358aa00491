from shopapi.db import get_db
from shopapi.models.payments import Payment, PaymentStatus, Refund


class PaymentRepository:
    def __init__(self, db=None):
        db = db or get_db()
        self.table = db.table("payments")
        self.refunds = db.table("refunds")

    def add(self, payment: Payment):
        return self.table.insert(payment)

    def save(self, payment: Payment):
        return self.table.update(payment)

    def for_order(self, order_id):
        return self.table.filter(order_id=order_id)

    def captured_for_order(self, order_id):
        found = [p for p in self.for_order(order_id) if p.status == PaymentStatus.CAPTURED]
        return found[-1] if found else None

    def add_refund(self, refund: Refund):
        return self.refunds.insert(refund)

    def refunded_total(self, payment_id):
        return sum(r.amount_cents for r in self.refunds.filter(payment_id=payment_id))
