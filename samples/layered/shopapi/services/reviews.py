from shopapi.config import settings
from shopapi.models import Review
from shopapi.repositories import ReviewRepository
from shopapi.services.catalog import catalog_service
from shopapi.services.orders import order_service

BANNED_WORDS = {"scam", "fraud"}


class ReviewError(Exception):
    pass


class ReviewService:
    def __init__(self, repo=None, catalog=None, orders=None):
        self.repo = repo or ReviewRepository()
        self.catalog = catalog or catalog_service
        self.orders = orders or order_service

    def submit(self, user, product_id, rating, title, body):
        product = self.catalog.get_product(product_id)
        if not 1 <= rating <= 5:
            raise ReviewError("rating must be between 1 and 5")
        if len(body.strip()) < settings.review_min_length:
            raise ReviewError("review too short")
        if self.repo.by_user_and_product(user.id, product.id):
            raise ReviewError("you already reviewed this product")
        review = Review(product_id=product.id, user_id=user.id, rating=rating, title=title.strip(),
                        body=body.strip(), verified_purchase=self.orders.has_purchased(user.id, product.id))
        review.hidden = any(w in body.lower() for w in BANNED_WORDS)
        self.repo.add(review)
        if not review.hidden:
            self.catalog.record_rating(product.id, rating)
        return review

    def for_product(self, product_id, verified_only=False):
        rows = self.repo.for_product(product_id)
        if verified_only:
            rows = [r for r in rows if r.verified_purchase]
        return rows

    def vote_helpful(self, review_id):
        review = self.repo.get(review_id)
        if review is None or review.hidden:
            raise LookupError(review_id)
        review.helpful_votes += 1
        return self.repo.save(review)

    def moderate(self, review_id, hidden):
        review = self.repo.get(review_id)
        review.hidden = hidden
        return self.repo.save(review)


review_service = ReviewService()
