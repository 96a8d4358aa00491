from typing import List

from fastapi import APIRouter, Depends, HTTPException

from shopapi.routers.users import get_current_user, require_staff
from shopapi.schemas import QuoteRequest, RateOut, ShipmentOut, ShipRequest
from shopapi.services.orders import OrderError, order_service
from shopapi.services.shipping import shipping_service

router = APIRouter(prefix="/shipping", tags=["shipping"])


def _out(s):
    return ShipmentOut(id=s.id, order_id=s.order_id, carrier=s.carrier, tracking_number=s.tracking_number,
                       status=s.status, events=list(s.events), estimated_delivery=s.estimated_delivery)


@router.post("/quote", response_model=List[RateOut])
def quote(body: QuoteRequest):
    return [RateOut(**vars(r)) for r in shipping_service.quote(body.subtotal_cents, body.weight_grams, body.country)]


@router.post("/orders/{order_id}/ship", response_model=ShipmentOut, status_code=201)
def ship_order(order_id: int, body: ShipRequest, staff=Depends(require_staff)):
    try:
        _, shipment = order_service.ship(order_id, body.carrier)
    except OrderError as exc:
        raise HTTPException(409, str(exc))
    return _out(shipment)


@router.get("/orders/{order_id}", response_model=ShipmentOut)
def track(order_id: int, user=Depends(get_current_user)):
    try:
        order_service.get_for_user(user, order_id)
    except LookupError:
        raise HTTPException(404, "order not found")
    shipment = shipping_service.track(order_id)
    if shipment is None:
        raise HTTPException(404, "not shipped yet")
    return _out(shipment)
