from shopapi.db import get_db
from shopapi.models import Order, OrderStatus


class OrderRepository:
    def __init__(self, db=None):
        self.table = (db or get_db()).table("orders")

    def add(self, order: Order):
        return self.table.insert(order)

    def get(self, order_id):
        return self.table.get(order_id)

    def save(self, order: Order):
        return self.table.update(order)

    def for_user(self, user_id, status=None):
        rows = self.table.filter(user_id=user_id)
        if status:
            rows = [o for o in rows if o.status == status]
        return sorted(rows, key=lambda o: o.id, reverse=True)

    def open_orders(self):
        return [o for o in self.table.all() if o.status in (OrderStatus.PENDING, OrderStatus.PAID)]
