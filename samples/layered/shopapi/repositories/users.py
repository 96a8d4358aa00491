from shopapi.db import get_db
from shopapi.models import User


class UserRepository:
    def __init__(self, db=None):
        self.table = (db or get_db()).table("users")

    def add(self, user: User) -> User:
        return self.table.insert(user)

    def get(self, user_id):
        return self.table.get(user_id)

    def by_email(self, email):
        email = email.strip().lower()
        matches = self.table.filter(email=email)
        return matches[0] if matches else None

    def save(self, user: User):
        return self.table.update(user)

    def list_active(self):
        return [u for u in self.table.all() if u.is_active]
