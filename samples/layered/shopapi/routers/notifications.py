from typing import List

from fastapi import APIRouter, Depends

from shopapi.routers.users import get_current_user
from shopapi.schemas.notifications import MarkReadIn, NotificationOut
from shopapi.services import notification_service

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("", response_model=List[NotificationOut])
def inbox(unread_only: bool = False, user=Depends(get_current_user)):
    return [
        NotificationOut(id=n.id, channel=n.channel, template=n.template, subject=n.subject, body=n.body,
                        read=n.read)
        for n in notification_service.inbox(user.id, unread_only)
    ]


@router.post("/read")
def mark_read(body: MarkReadIn, user=Depends(get_current_user)):
    return {"updated": notification_service.mark_read(user.id, set(body.ids))}
