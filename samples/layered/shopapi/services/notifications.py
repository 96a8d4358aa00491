import logging

from shopapi.config import settings
from shopapi.models.notifications import Channel, Notification
from shopapi.repositories.notifications import NotificationRepository
from shopapi.services.users import user_service

log = logging.getLogger(__name__)

TEMPLATES = {
    "welcome": ("Welcome to the shop, {name}", "Thanks for signing up, {name}."),
    "order_placed": ("Order #{order_id} received", "We got your order of {total}."),
    "order_cancelled": ("Order #{order_id} cancelled", "Your order #{order_id} was cancelled."),
    "payment_failed": ("Payment problem on order #{order_id}", "Your payment was declined: {reason}."),
    "shipped": ("Order #{order_id} is on its way", "Track it with {carrier}: {tracking}."),
    "refund": ("Refund issued", "We refunded {amount} for order #{order_id}."),
}


class NotificationService:
    def __init__(self, repo=None, users=None):
        self.repo = repo or NotificationRepository()
        self.users = users or user_service

    def notify(self, user_id, template, channel=Channel.EMAIL, **context):
        user = self.users.get(user_id)
        if user is None:
            log.warning("notify: unknown user %s", user_id)
            return None
        subject_tpl, body_tpl = TEMPLATES[template]
        context.setdefault("name", user.full_name.split(" ")[0])
        note = Notification(user_id=user_id, channel=channel, template=template,
                            subject=subject_tpl.format(**context), body=body_tpl.format(**context))
        self.repo.add(note)
        if channel == Channel.EMAIL and settings.send_emails:
            self._send_email(user.email, note)
        return note

    def _send_email(self, address, note):
        # real SMTP integration lives in the ops repo; here we only log
        log.info("email to %s: %s", address, note.subject)
        note.sent = True
        self.repo.save(note)

    def inbox(self, user_id, unread_only=False):
        return self.repo.inbox(user_id, unread_only)

    def mark_read(self, user_id, notification_ids):
        updated = 0
        for note in self.repo.inbox(user_id):
            if note.id in notification_ids and not note.read:
                note.read = True
                self.repo.save(note)
                updated += 1
        return updated


notification_service = NotificationService()
