from typing import List

from fastapi import APIRouter, Depends, HTTPException

from shopapi.routers.users import get_current_user, require_staff
from shopapi.schemas.payments import PaymentOut, RefundIn, RefundOut
from shopapi.services.orders import order_service
from shopapi.services.payments import PaymentDeclined, payment_service

router = APIRouter(prefix="/payments", tags=["payments"])


@router.get("/orders/{order_id}", response_model=List[PaymentOut])
def payment_history(order_id: int, user=Depends(get_current_user)):
    try:
        order_service.get_for_user(user, order_id)  # ownership check
    except LookupError:
        raise HTTPException(404, "order not found")
    return [
        PaymentOut(id=p.id, order_id=p.order_id, amount_cents=p.amount_cents, currency=p.currency,
                   status=p.status, failure_reason=p.failure_reason)
        for p in payment_service.history(order_id)
    ]


@router.post("/orders/{order_id}/refund", response_model=RefundOut, status_code=201)
def refund(order_id: int, body: RefundIn, staff=Depends(require_staff)):
    try:
        r = payment_service.refund(order_id, body.amount_cents, body.reason)
    except PaymentDeclined as exc:
        raise HTTPException(409, str(exc))
    return RefundOut(id=r.id, payment_id=r.payment_id, amount_cents=r.amount_cents, reason=r.reason)
