from shopapi.config import settings
from shopapi.models import Order, OrderLine, OrderStatus
from shopapi.repositories.orders import OrderRepository
from shopapi.services.catalog import CatalogService, OutOfStock, catalog_service
from shopapi.services.notifications import notification_service
from shopapi.services.payments import PaymentDeclined, payment_service
from shopapi.services.shipping import shipping_service


class OrderError(Exception):
    pass


def _money(cents):
    return f"{cents / 100:.2f} {settings.currency}"


class OrderService:
    def __init__(self, repo=None, catalog: CatalogService = None, payments=None, shipping=None,
                 notifications=None):
        self.repo = repo or OrderRepository()
        self.catalog = catalog or catalog_service
        self.payments = payments or payment_service
        self.shipping = shipping or shipping_service
        self.notifications = notifications or notification_service

    def place_order(self, user, items, card_token, payment_method="card", address=None, coupon=None):
        """items: list of {"product_id": int, "quantity": int}"""
        if not items:
            raise OrderError("empty cart")
        address = address or user.default_address
        if address is None:
            raise OrderError("no shipping address")
        reserved, weight = [], 0
        for item in items:
            product = self.catalog.get_product(item["product_id"])
            if item["quantity"] <= 0:
                raise OrderError(f"bad quantity for {product.sku}")
            reserved.append((product, item["quantity"]))
            weight += product.weight_grams * item["quantity"]
        try:
            self.catalog.reserve_stock(reserved)
        except OutOfStock as exc:
            raise OrderError(str(exc))

        order = Order(user_id=user.id, shipping_address=address,
                      lines=[OrderLine.from_product(p, q) for p, q in reserved])
        order.discount_cents = self._discount(order.subtotal_cents, coupon)
        order.shipping_cents = self.shipping.cheapest(order.subtotal_cents, weight, address.country).price_cents
        order.tax_cents = round((order.subtotal_cents - order.discount_cents) * settings.tax_rate)
        self.repo.add(order)
        try:
            self.payments.charge_order(order, payment_method, card_token)
        except PaymentDeclined as exc:
            self._release(order)
            order.status = OrderStatus.CANCELLED
            self.repo.save(order)
            self.notifications.notify(user.id, "payment_failed", order_id=order.id, reason=str(exc))
            raise OrderError(f"payment declined: {exc}")
        order.status = OrderStatus.PAID
        self.repo.save(order)
        self.notifications.notify(user.id, "order_placed", order_id=order.id, total=_money(order.total_cents))
        return order

    def _discount(self, subtotal_cents, coupon):
        if not coupon:
            return 0
        if coupon == "WELCOME10":
            return subtotal_cents // 10
        if coupon == "FIVEOFF" and subtotal_cents >= 2500:
            return 500
        raise OrderError(f"unknown coupon {coupon}")

    def _release(self, order):
        for line in order.lines:
            self.catalog.release_stock(line.product_id, line.quantity)

    def get_for_user(self, user, order_id):
        order = self.repo.get(order_id)
        if order is None or (order.user_id != user.id and user.role == "customer"):
            raise LookupError(f"order {order_id} not found")
        return order

    def list_for_user(self, user, status=None):
        return self.repo.for_user(user.id, status)

    def cancel(self, user, order_id):
        order = self.get_for_user(user, order_id)
        if not order.can_transition(OrderStatus.CANCELLED):
            raise OrderError(f"cannot cancel a {order.status} order")
        if order.status == OrderStatus.PAID:
            self.payments.refund(order.id, reason="order_cancelled")
        self._release(order)
        order.status = OrderStatus.CANCELLED
        self.repo.save(order)
        self.notifications.notify(order.user_id, "order_cancelled", order_id=order.id)
        return order

    def ship(self, order_id, carrier="laposte"):
        order = self.repo.get(order_id)
        if order is None or not order.can_transition(OrderStatus.SHIPPED):
            raise OrderError(f"order {order_id} cannot be shipped")
        shipment = self.shipping.create_shipment(order, carrier)
        order.status = OrderStatus.SHIPPED
        self.repo.save(order)
        return order, shipment

    def has_purchased(self, user_id, product_id):
        return any(o.contains_product(product_id) for o in self.repo.for_user(user_id)
                   if o.status in (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED))


order_service = OrderService()
