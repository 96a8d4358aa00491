from predictly.billing.metering import record_usage
from predictly.billing.plans import PLANS

__all__ = ["record_usage", "PLANS"]
