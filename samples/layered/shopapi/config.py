import os
from dataclasses import dataclass, field


def _bool(name, default=False):
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


@dataclass
class Settings:
    app_name: str = "shopapi"
    environment: str = field(default_factory=lambda: os.environ.get("SHOP_ENV", "dev"))
    currency: str = field(default_factory=lambda: os.environ.get("SHOP_CURRENCY", "EUR"))
    tax_rate: float = field(default_factory=lambda: float(os.environ.get("SHOP_TAX_RATE", "0.20")))
    free_shipping_threshold_cents: int = field(
        default_factory=lambda: int(os.environ.get("SHOP_FREE_SHIPPING_CENTS", "5000")))
    payment_provider: str = field(default_factory=lambda: os.environ.get("SHOP_PAYMENT_PROVIDER", "fakepay"))
    send_emails: bool = field(default_factory=lambda: _bool("SHOP_SEND_EMAILS"))
    token_secret: str = field(default_factory=lambda: os.environ.get("SHOP_TOKEN_SECRET", "dev-secret"))
    review_min_length: int = 10


settings = Settings()
