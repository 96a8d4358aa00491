from shopapi.db import get_db
from shopapi.models.notifications import Notification


class NotificationRepository:
    def __init__(self, db=None):
        self.table = (db or get_db()).table("notifications")

    def add(self, notification: Notification):
        return self.table.insert(notification)

    def save(self, notification: Notification):
        return self.table.update(notification)

    def inbox(self, user_id, unread_only=False):
        rows = self.table.filter(user_id=user_id)
        if unread_only:
            rows = [n for n in rows if not n.read]
        return sorted(rows, key=lambda n: n.id, reverse=True)

    def pending(self):
        return self.table.filter(sent=False)
