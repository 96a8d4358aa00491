from typing import List

from fastapi import APIRouter, Depends, HTTPException

from shopapi.routers.users import get_current_user, require_staff
from shopapi.schemas.reviews import ReviewCreate, ReviewOut
from shopapi.services.reviews import ReviewError, review_service

router = APIRouter(tags=["reviews"])


def _out(r):
    return ReviewOut(id=r.id, product_id=r.product_id, user_id=r.user_id, rating=r.rating, title=r.title,
                     body=r.body, verified_purchase=r.verified_purchase, helpful_votes=r.helpful_votes)


@router.get("/catalog/products/{product_id}/reviews", response_model=List[ReviewOut])
def product_reviews(product_id: int, verified_only: bool = False):
    return [_out(r) for r in review_service.for_product(product_id, verified_only)]


@router.post("/catalog/products/{product_id}/reviews", response_model=ReviewOut, status_code=201)
def submit_review(product_id: int, body: ReviewCreate, user=Depends(get_current_user)):
    try:
        review = review_service.submit(user, product_id, body.rating, body.title, body.body)
    except LookupError:
        raise HTTPException(404, "product not found")
    except ReviewError as exc:
        raise HTTPException(400, str(exc))
    return _out(review)


@router.post("/reviews/{review_id}/helpful", response_model=ReviewOut)
def helpful(review_id: int, user=Depends(get_current_user)):
    try:
        return _out(review_service.vote_helpful(review_id))
    except LookupError:
        raise HTTPException(404, "review not found")


@router.post("/reviews/{review_id}/hide", response_model=ReviewOut)
def hide(review_id: int, staff=Depends(require_staff)):
    return _out(review_service.moderate(review_id, hidden=True))
