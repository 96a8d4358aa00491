from fastapi import APIRouter, Depends

from predictly.api.deps import current_user
from predictly.billing.invoices import generate_invoice, get_invoice, list_invoices
from predictly.billing.metering import usage_summary
from predictly.billing.plans import list_plans
from predictly.core import require

router = APIRouter(prefix="/billing", tags=["billing"])


@router.get("/plans")
def plans():
    return {"plans": list_plans()}


@router.get("/usage")
def usage(user=Depends(current_user)):
    require(user, "billing:read")
    return usage_summary(user["id"], uninvoiced_only=True)


@router.post("/invoices", status_code=201)
def create_invoice(user=Depends(current_user)):
    require(user, "billing:write")
    return generate_invoice(user["id"])


@router.get("/invoices")
def invoices(user=Depends(current_user)):
    require(user, "billing:read")
    return {"invoices": list_invoices(user["id"])}


@router.get("/invoices/{invoice_id}")
def invoice(invoice_id: int, user=Depends(current_user)):
    require(user, "billing:read")
    return get_invoice(invoice_id, user["id"])
