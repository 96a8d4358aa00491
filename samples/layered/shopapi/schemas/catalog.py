from typing import List, Optional

from pydantic import BaseModel, Field

__all__ = ["ProductCreate", "ProductOut", "CategoryCreate", "CategoryOut", "ProductPage"]


class CategoryCreate(BaseModel):
    name: str
    parent_slug: Optional[str] = None


class CategoryOut(BaseModel):
    id: int
    name: str
    slug: str
    parent_id: Optional[int] = None


class ProductCreate(BaseModel):
    sku: str
    name: str
    price_cents: int = Field(gt=0)
    stock: int = 0
    category_slug: Optional[str] = None
    description: str = ""
    weight_grams: int = 500
    tags: List[str] = []


class ProductOut(BaseModel):
    id: int
    sku: str
    name: str
    price_cents: int
    in_stock: bool
    description: str = ""
    rating_avg: float = 0.0
    rating_count: int = 0

    @classmethod
    def from_model(cls, p):
        return cls(id=p.id, sku=p.sku, name=p.name, price_cents=p.price_cents, in_stock=p.in_stock,
                   description=p.description, rating_avg=p.rating_avg, rating_count=p.rating_count)


class ProductPage(BaseModel):
    items: List[ProductOut]
    page: int
    per_page: int
