from dataclasses import dataclass, field

__all__ = ["Category", "Product"]


@dataclass
class Category:
    name: str
    slug: str
    parent_id: int = None
    id: int = 0


@dataclass
class Product:
    sku: str
    name: str
    price_cents: int
    category_id: int = None
    description: str = ""
    stock: int = 0
    weight_grams: int = 500
    tags: list = field(default_factory=list)
    active: bool = True
    rating_avg: float = 0.0
    rating_count: int = 0
    id: int = 0

    @property
    def in_stock(self):
        return self.active and self.stock > 0

    def reserve(self, qty):
        if qty > self.stock:
            raise ValueError(f"only {self.stock} left of {self.sku}")
        self.stock -= qty
