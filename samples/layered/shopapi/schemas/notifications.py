from typing import List

from pydantic import BaseModel

__all__ = ["NotificationOut", "MarkReadIn"]


class NotificationOut(BaseModel):
    id: int
    channel: str
    template: str
    subject: str
    body: str
    read: bool


class MarkReadIn(BaseModel):
    ids: List[int]
