import hashlib
from datetime import date, timedelta

from shopapi.config import settings
from shopapi.models import Order, Shipment, ShipmentStatus, ShippingRate
from shopapi.repositories.shipping import ShipmentRepository
from shopapi.services.notifications import notification_service

CARRIERS = {
    "laposte": [("standard", 490, 4), ("express", 990, 2)],
    "dhl": [("express", 1490, 1)],
}


class ShippingService:
    def __init__(self, repo=None, notifications=None):
        self.repo = repo or ShipmentRepository()
        self.notifications = notifications or notification_service

    def quote(self, subtotal_cents, weight_grams, country="FR"):
        rates = []
        surcharge = 0 if country == "FR" else 800
        for carrier, services in CARRIERS.items():
            for service, base, eta in services:
                price = base + surcharge + max(0, weight_grams - 2000) // 1000 * 150
                if service == "standard" and subtotal_cents >= settings.free_shipping_threshold_cents:
                    price = 0
                rates.append(ShippingRate(carrier, service, price, eta + (0 if country == "FR" else 3)))
        return sorted(rates, key=lambda r: (r.price_cents, r.eta_days))

    def cheapest(self, subtotal_cents, weight_grams, country="FR"):
        return self.quote(subtotal_cents, weight_grams, country)[0]

    def create_shipment(self, order: Order, carrier="laposte"):
        if self.repo.for_order(order.id):
            raise ValueError(f"order {order.id} already has a shipment")
        tracking = carrier[:2].upper() + hashlib.md5(f"{order.id}:{carrier}".encode()).hexdigest()[:10].upper()
        eta = next((e for _, _, e in CARRIERS.get(carrier, [])), 5)
        shipment = Shipment(order_id=order.id, carrier=carrier, tracking_number=tracking,
                            address=order.shipping_address, estimated_delivery=date.today() + timedelta(days=eta))
        shipment.events.append(ShipmentStatus.LABEL_CREATED)
        self.repo.add(shipment)
        self.notifications.notify(order.user_id, "shipped", order_id=order.id, carrier=carrier, tracking=tracking)
        return shipment

    def advance(self, tracking_number, status):
        shipment = self.repo.by_tracking(tracking_number)
        if shipment is None:
            raise LookupError(tracking_number)
        shipment.status = status
        shipment.events.append(status)
        return self.repo.save(shipment)

    def track(self, order_id):
        return self.repo.for_order(order_id)


shipping_service = ShippingService()
