from typing import Optional

from fastapi import APIRouter, Depends, HTTPException

from shopapi.routers.users import require_staff
from shopapi.schemas import CategoryCreate, CategoryOut, ProductCreate, ProductOut, ProductPage
from shopapi.services.catalog import catalog_service

router = APIRouter(prefix="/catalog", tags=["catalog"])


@router.get("/products", response_model=ProductPage)
def list_products(q: Optional[str] = None, category: Optional[str] = None, in_stock: bool = False,
                  page: int = 1, per_page: int = 20):
    items = catalog_service.search(q, category, in_stock, page, per_page)
    return ProductPage(items=[ProductOut.from_model(p) for p in items], page=page, per_page=per_page)


@router.get("/products/{product_id}", response_model=ProductOut)
def get_product(product_id: int):
    try:
        return ProductOut.from_model(catalog_service.get_product(product_id))
    except LookupError:
        raise HTTPException(404, "product not found")


@router.post("/products", response_model=ProductOut, status_code=201)
def create_product(body: ProductCreate, staff=Depends(require_staff)):
    try:
        product = catalog_service.create_product(**body.model_dump())
    except ValueError as exc:
        raise HTTPException(400, str(exc))
    return ProductOut.from_model(product)


@router.post("/categories", response_model=CategoryOut, status_code=201)
def create_category(body: CategoryCreate, staff=Depends(require_staff)):
    c = catalog_service.create_category(body.name, body.parent_slug)
    return CategoryOut(id=c.id, name=c.name, slug=c.slug, parent_id=c.parent_id)
