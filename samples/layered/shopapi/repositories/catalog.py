from shopapi.db import get_db
from shopapi.models.catalog import Category, Product


class CategoryRepository:
    def __init__(self, db=None):
        self.table = (db or get_db()).table("categories")

    def add(self, category: Category):
        return self.table.insert(category)

    def by_slug(self, slug):
        found = self.table.filter(slug=slug)
        return found[0] if found else None

    def children(self, parent_id):
        return self.table.filter(parent_id=parent_id)


class ProductRepository:
    def __init__(self, db=None):
        self.table = (db or get_db()).table("products")

    def add(self, product: Product):
        return self.table.insert(product)

    def get(self, product_id):
        return self.table.get(product_id)

    def by_sku(self, sku):
        found = self.table.filter(sku=sku)
        return found[0] if found else None

    def save(self, product: Product):
        return self.table.update(product)

    def search(self, text=None, category_id=None, in_stock_only=False, limit=50, offset=0):
        rows = [p for p in self.table.all() if p.active]
        if text:
            needle = text.lower()
            rows = [p for p in rows if needle in p.name.lower() or needle in p.description.lower()
                    or needle in (t.lower() for t in p.tags)]
        if category_id is not None:
            rows = [p for p in rows if p.category_id == category_id]
        if in_stock_only:
            rows = [p for p in rows if p.in_stock]
        rows.sort(key=lambda p: (p.name, p.id))
        return rows[offset:offset + limit]
