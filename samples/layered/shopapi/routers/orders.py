from typing import List, Optional

from fastapi import APIRouter, Depends, HTTPException

from shopapi.models import Address
from shopapi.routers.users import get_current_user
from shopapi.schemas.orders import OrderCreate, OrderOut
from shopapi.services.orders import OrderError, order_service

router = APIRouter(prefix="/orders", tags=["orders"])


@router.post("", response_model=OrderOut, status_code=201)
def place_order(body: OrderCreate, user=Depends(get_current_user)):
    address = Address(**body.address.model_dump()) if body.address else None
    try:
        order = order_service.place_order(
            user,
            [i.model_dump() for i in body.items],
            card_token=body.card_token,
            payment_method=body.payment_method,
            address=address,
            coupon=body.coupon,
        )
    except OrderError as exc:
        raise HTTPException(409, str(exc))
    except LookupError as exc:
        raise HTTPException(404, str(exc))
    return OrderOut.from_model(order)


@router.get("", response_model=List[OrderOut])
def my_orders(status: Optional[str] = None, user=Depends(get_current_user)):
    return [OrderOut.from_model(o) for o in order_service.list_for_user(user, status)]


@router.get("/{order_id}", response_model=OrderOut)
def get_order(order_id: int, user=Depends(get_current_user)):
    try:
        return OrderOut.from_model(order_service.get_for_user(user, order_id))
    except LookupError:
        raise HTTPException(404, "order not found")


@router.post("/{order_id}/cancel", response_model=OrderOut)
def cancel_order(order_id: int, user=Depends(get_current_user)):
    try:
        return OrderOut.from_model(order_service.cancel(user, order_id))
    except LookupError:
        raise HTTPException(404, "order not found")
    except OrderError as exc:
        raise HTTPException(409, str(exc))
