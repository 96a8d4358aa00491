import base64
import hashlib
import hmac
import json
import time

from shopapi.config import settings
from shopapi.models import Address, User, UserRole
from shopapi.repositories.users import UserRepository

TOKEN_TTL_SECONDS = 3600 * 12


class AuthError(Exception):
    pass


class UserService:
    def __init__(self, repo=None):
        self.repo = repo or UserRepository()

    def register(self, email, full_name, password, marketing_opt_in=False):
        email = email.strip().lower()
        if self.repo.by_email(email):
            raise AuthError("email already registered")
        if len(password) < 8:
            raise AuthError("password too short")
        user = User(email=email, full_name=full_name.strip(), password_hash=User.hash_password(password),
                    marketing_opt_in=marketing_opt_in)
        if not self.repo.list_active():
            user.role = UserRole.ADMIN  # first account bootstraps the shop
        return self.repo.add(user)

    def authenticate(self, email, password):
        user = self.repo.by_email(email)
        if user is None or not user.is_active or not user.check_password(password):
            raise AuthError("invalid credentials")
        return self.issue_token(user)

    def issue_token(self, user):
        payload = {"sub": user.id, "role": user.role, "exp": int(time.time()) + TOKEN_TTL_SECONDS}
        raw = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
        sig = hmac.new(settings.token_secret.encode(), raw.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{raw}.{sig}"

    def user_from_token(self, token):
        try:
            raw, sig = token.rsplit(".", 1)
        except (AttributeError, ValueError):
            raise AuthError("malformed token")
        expected = hmac.new(settings.token_secret.encode(), raw.encode(), hashlib.sha256).hexdigest()[:32]
        if not hmac.compare_digest(sig, expected):
            raise AuthError("bad signature")
        payload = json.loads(base64.urlsafe_b64decode(raw.encode()))
        if payload["exp"] < time.time():
            raise AuthError("token expired")
        user = self.repo.get(payload["sub"])
        if user is None or not user.is_active:
            raise AuthError("unknown user")
        return user

    def get(self, user_id):
        return self.repo.get(user_id)

    def add_address(self, user_id, **fields):
        user = self.repo.get(user_id)
        user.addresses.append(Address(**fields))
        return self.repo.save(user)

    def deactivate(self, user_id):
        user = self.repo.get(user_id)
        user.is_active = False
        return self.repo.save(user)


user_service = UserService()
