from predictly import db
from predictly.billing.metering import usage_summary
from predictly.billing.plans import plan_for_user
from predictly.utils import NotFound, PredictlyError, dumps, loads, now_iso


def compute_lines(plan, usage):
    lines = [{"description": f"{plan['name']} plan", "units": 1, "amount_cents": plan["monthly_cents"]}]
    remaining_included = plan["included_units"]
    for row in usage["by_endpoint"]:
        billable = max(0, row["units"] - remaining_included)
        remaining_included = max(0, remaining_included - row["units"])
        lines.append({
            "description": f"usage: {row['endpoint']}",
            "units": row["units"],
            "billable_units": billable,
            "amount_cents": billable * plan["overage_cents_per_unit"],
        })
    return lines


def generate_invoice(user_id):
    plan = plan_for_user(user_id)
    usage = usage_summary(user_id, uninvoiced_only=True)
    if usage["total_units"] == 0 and plan["monthly_cents"] == 0:
        raise PredictlyError("nothing to invoice", status_code=409)
    lines = compute_lines(plan, usage)
    amount = sum(l["amount_cents"] for l in lines)
    with db.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO invoices (user_id, plan, units, amount_cents, lines, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, plan["name"], usage["total_units"], amount, dumps(lines), now_iso()),
        )
        invoice_id = cur.lastrowid
        conn.execute(
            "UPDATE usage_events SET invoice_id = ? WHERE user_id = ? AND invoice_id IS NULL",
            (invoice_id, user_id),
        )
    return get_invoice(invoice_id, user_id)


def get_invoice(invoice_id, user_id=None):
    row = db.query_one("SELECT * FROM invoices WHERE id = ?", (invoice_id,))
    if row is None or (user_id is not None and row["user_id"] != user_id):
        raise NotFound(f"invoice {invoice_id} not found")
    row["lines"] = loads(row["lines"])
    row["amount"] = row["amount_cents"] / 100.0
    return row


def list_invoices(user_id):
    rows = db.query("SELECT id, plan, units, amount_cents, status, created_at FROM invoices"
                    " WHERE user_id = ? ORDER BY id", (user_id,))
    return rows


def mark_paid(invoice_id):
    db.execute("UPDATE invoices SET status = 'paid' WHERE id = ?", (invoice_id,))
    return get_invoice(invoice_id)
