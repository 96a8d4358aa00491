from shopapi.db import get_db
from shopapi.models import Review


class ReviewRepository:
    def __init__(self, db=None):
        self.table = (db or get_db()).table("reviews")

    def add(self, review: Review):
        return self.table.insert(review)

    def get(self, review_id):
        return self.table.get(review_id)

    def save(self, review: Review):
        return self.table.update(review)

    def for_product(self, product_id, include_hidden=False):
        rows = self.table.filter(product_id=product_id)
        if not include_hidden:
            rows = [r for r in rows if not r.hidden]
        return sorted(rows, key=lambda r: (-r.helpful_votes, -r.id))

    def by_user_and_product(self, user_id, product_id):
        found = self.table.filter(user_id=user_id, product_id=product_id)
        return found[0] if found else None
