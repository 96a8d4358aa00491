import hashlib
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["User", "Address", "UserRole"]


class UserRole:
    CUSTOMER = "customer"
    STAFF = "staff"
    ADMIN = "admin"


@dataclass
class Address:
    line1: str
    city: str
    postcode: str
    country: str = "FR"
    line2: str = ""

    def one_line(self):
        parts = [self.line1, self.line2, f"{self.postcode} {self.city}", self.country]
        return ", ".join(p for p in parts if p)


@dataclass
class User:
    email: str
    full_name: str
    password_hash: str
    role: str = UserRole.CUSTOMER
    addresses: list = field(default_factory=list)
    is_active: bool = True
    marketing_opt_in: bool = False
    created_at: datetime = field(default_factory=datetime.utcnow)
    id: int = 0

    def check_password(self, password):
        return self.password_hash == hashlib.sha256(password.encode()).hexdigest()

    @staticmethod
    def hash_password(password):
        return hashlib.sha256(password.encode()).hexdigest()

    @property
    def default_address(self):
        return self.addresses[0] if self.addresses else None
