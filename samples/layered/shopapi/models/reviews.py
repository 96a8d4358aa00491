from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["Review"]


@dataclass
class Review:
    product_id: int
    user_id: int
    rating: int
    title: str
    body: str
    verified_purchase: bool = False
    helpful_votes: int = 0
    hidden: bool = False
    created_at: datetime = field(default_factory=datetime.utcnow)
    id: int = 0
