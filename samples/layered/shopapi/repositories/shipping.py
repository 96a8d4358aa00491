from shopapi.db import get_db
from shopapi.models import Shipment


class ShipmentRepository:
    def __init__(self, db=None):
        self.table = (db or get_db()).table("shipments")

    def add(self, shipment: Shipment):
        return self.table.insert(shipment)

    def save(self, shipment: Shipment):
        return self.table.update(shipment)

    def for_order(self, order_id):
        found = self.table.filter(order_id=order_id)
        return found[0] if found else None

    def by_tracking(self, tracking_number):
        found = self.table.filter(tracking_number=tracking_number)
        return found[0] if found else None
