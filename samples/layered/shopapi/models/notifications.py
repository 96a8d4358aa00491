from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["Notification", "Channel"]


class Channel:
    EMAIL = "email"
    SMS = "sms"
    IN_APP = "in_app"


@dataclass
class Notification:
    user_id: int
    channel: str
    template: str
    subject: str
    body: str
    sent: bool = False
    read: bool = False
    created_at: datetime = field(default_factory=datetime.utcnow)
    id: int = 0
