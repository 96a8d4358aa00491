from shopapi.models import Category, Product
from shopapi.repositories.catalog import CategoryRepository, ProductRepository


class OutOfStock(Exception):
    def __init__(self, sku, requested, available):
        super().__init__(f"{sku}: requested {requested}, available {available}")
        self.sku = sku


class CatalogService:
    def __init__(self, products=None, categories=None):
        self.products = products or ProductRepository()
        self.categories = categories or CategoryRepository()

    def create_category(self, name, parent_slug=None):
        parent = self.categories.by_slug(parent_slug) if parent_slug else None
        slug = name.strip().lower().replace(" ", "-")
        return self.categories.add(Category(name=name, slug=slug, parent_id=parent.id if parent else None))

    def create_product(self, sku, name, price_cents, stock=0, category_slug=None, **extra):
        if self.products.by_sku(sku):
            raise ValueError(f"duplicate sku {sku}")
        if price_cents <= 0:
            raise ValueError("price must be positive")
        category = self.categories.by_slug(category_slug) if category_slug else None
        product = Product(sku=sku, name=name, price_cents=price_cents, stock=stock,
                          category_id=category.id if category else None, **extra)
        return self.products.add(product)

    def get_product(self, product_id):
        product = self.products.get(product_id)
        if product is None or not product.active:
            raise LookupError(f"product {product_id} not found")
        return product

    def search(self, q=None, category_slug=None, in_stock_only=False, page=1, per_page=20):
        category_id = None
        if category_slug:
            category = self.categories.by_slug(category_slug)
            if category is None:
                return []
            category_id = category.id
        offset = (max(page, 1) - 1) * per_page
        return self.products.search(q, category_id, in_stock_only, limit=per_page, offset=offset)

    def reserve_stock(self, items):
        """items: list of (product, qty). All-or-nothing."""
        for product, qty in items:
            if qty > product.stock:
                raise OutOfStock(product.sku, qty, product.stock)
        for product, qty in items:
            product.reserve(qty)
            self.products.save(product)

    def release_stock(self, product_id, qty):
        product = self.products.get(product_id)
        if product is not None:
            product.stock += qty
            self.products.save(product)

    def record_rating(self, product_id, rating):
        product = self.products.get(product_id)
        total = product.rating_avg * product.rating_count + rating
        product.rating_count += 1
        product.rating_avg = round(total / product.rating_count, 2)
        self.products.save(product)
        return product


catalog_service = CatalogService()
