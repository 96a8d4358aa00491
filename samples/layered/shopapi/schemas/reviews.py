from pydantic import BaseModel, Field

__all__ = ["ReviewCreate", "ReviewOut"]


class ReviewCreate(BaseModel):
    rating: int = Field(ge=1, le=5)
    title: str
    body: str


class ReviewOut(BaseModel):
    id: int
    product_id: int
    user_id: int
    rating: int
    title: str
    body: str
    verified_purchase: bool
    helpful_votes: int
