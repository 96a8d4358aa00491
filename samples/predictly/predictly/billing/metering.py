from predictly import db
from predictly.billing.plans import UNIT_COSTS
from predictly.utils import now_iso


def record_usage(user_id, endpoint, units=None):
    if units is None:
        units = UNIT_COSTS.get(endpoint, 1)
    db.execute(
        "INSERT INTO usage_events (user_id, endpoint, units, created_at) VALUES (?, ?, ?, ?)",
        (user_id, endpoint, int(units), now_iso()),
    )


def usage_summary(user_id, uninvoiced_only=False):
    sql = "SELECT endpoint, COUNT(*) AS calls, SUM(units) AS units FROM usage_events WHERE user_id = ?"
    if uninvoiced_only:
        sql += " AND invoice_id IS NULL"
    sql += " GROUP BY endpoint ORDER BY endpoint"
    rows = db.query(sql, (user_id,))
    total = sum(r["units"] for r in rows)
    return {"user_id": user_id, "by_endpoint": rows, "total_units": total}
