"""End-to-end product scenario for predictly.

`run(client)` takes anything with httpx-like `.get(url, ...)` / `.post(url, json=..., headers=...)`
(a fastapi TestClient or `httpx.Client(base_url="http://127.0.0.1:8000")`) and returns a list of
{"method", "path", "status", "body"} records, normalised so two runs on fresh state are identical.

    python scenario.py http://127.0.0.1:8000     # against a running server
"""
import json
import sys

# values that legitimately differ between runs (secrets, clocks, timings)
VOLATILE_KEYS = {"api_key", "prefix", "created_at", "trained_at", "uptime_s", "latency", "host"}

ADMIN = {"email": "ada@example.com", "password": "Sup3rSecret9", "plan": "pro", "role": "admin"}
MEMBER = {"email": "bob@example.com", "password": "Hunter2Hunter", "plan": "free"}

CUSTOMERS = [
    {"tenure_months": 3, "monthly_spend": 89.5, "support_tickets": 4, "plan": "basic"},
    {"tenure_months": 48, "monthly_spend": 35.0, "support_tickets": 0, "plan": "premium"},
    {"tenure_months": 12, "monthly_spend": 59.99, "support_tickets": 2, "plan": "standard"},
    {"tenure_months": 1, "monthly_spend": 110.0, "support_tickets": 6, "plan": "basic"},
]


def normalise(obj):
    if isinstance(obj, dict):
        return {k: ("<volatile>" if k in VOLATILE_KEYS else normalise(v)) for k, v in sorted(obj.items())}
    if isinstance(obj, list):
        return [normalise(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 6)
    return obj


class _Recorder:
    def __init__(self, client):
        self.client = client
        self.records = []

    def call(self, method, path, body=None, key=None):
        headers = {"X-API-Key": key} if key else {}
        if method == "GET":
            resp = self.client.get(path, headers=headers)
        else:
            resp = self.client.post(path, json=body, headers=headers)
        try:
            payload = resp.json()
        except ValueError:
            payload = resp.text
        self.records.append({"method": method, "path": path, "status": resp.status_code,
                             "body": normalise(payload)})
        return payload


def run(client):
    r = _Recorder(client)
    r.call("GET", "/health")

    # accounts
    r.call("POST", "/users", ADMIN)
    admin_key = r.call("POST", "/auth/keys", {"email": ADMIN["email"], "password": ADMIN["password"]})["api_key"]
    r.call("POST", "/users", MEMBER)
    member_key = r.call("POST", "/auth/keys", {"email": MEMBER["email"], "password": MEMBER["password"]})["api_key"]
    r.call("POST", "/auth/keys", {"email": MEMBER["email"], "password": "wrong-password1A"})
    r.call("GET", "/users/me", key=admin_key)

    # ingestion
    r.call("POST", "/datasets", {"name": "churn", "source": "csv", "path": "churn.csv"}, key=admin_key)
    r.call("POST", "/datasets", {"name": "churn", "source": "json", "path": "churn_extra.json", "append": True},
           key=admin_key)
    r.call("POST", "/datasets", {"name": "stream", "source": "events", "seed": 4, "batches": 2, "batch_size": 15},
           key=admin_key)
    r.call("GET", "/datasets", key=admin_key)

    # training + registry
    r.call("POST", "/train", {"dataset": "churn", "algorithm": "logreg"}, key=admin_key)
    r.call("POST", "/train", {"dataset": "churn", "algorithm": "forest", "params": {"n_estimators": 30}},
           key=admin_key)
    r.call("POST", "/train", {"dataset": "churn", "algorithm": "svm"}, key=admin_key)
    r.call("GET", "/jobs/2", key=admin_key)
    r.call("GET", "/models", key=admin_key)
    r.call("POST", "/models/churn/promote", {"version": 1}, key=admin_key)
    r.call("GET", "/models/churn/versions/1", key=admin_key)

    # serving
    r.call("POST", "/predict", {"model": "churn", "features": CUSTOMERS[0], "explain": True}, key=admin_key)
    r.call("POST", "/predict", {"model": "churn", "features": CUSTOMERS[1]}, key=member_key)
    r.call("POST", "/predict", {"model": "churn", "features": CUSTOMERS[1]})
    r.call("POST", "/predict/batch", {"model": "churn", "rows": CUSTOMERS}, key=admin_key)
    r.call("POST", "/predict/batch", {"model": "churn", "rows": CUSTOMERS}, key=member_key)
    r.call("GET", "/models/churn", key=admin_key)

    # billing
    r.call("GET", "/billing/usage", key=admin_key)
    r.call("POST", "/billing/invoices", key=admin_key)
    r.call("GET", "/billing/invoices", key=admin_key)
    r.call("GET", "/billing/usage", key=member_key)

    # monitoring / admin
    r.call("GET", "/admin/metrics", key=member_key)
    r.call("GET", "/admin/metrics", key=admin_key)
    r.call("GET", "/admin/drift/churn", key=admin_key)
    r.call("POST", "/admin/settings", {"maintenance_mode": True}, key=admin_key)
    r.call("POST", "/predict", {"model": "churn", "features": CUSTOMERS[2]}, key=admin_key)
    r.call("POST", "/admin/settings", {"maintenance_mode": False}, key=admin_key)
    r.call("GET", "/health")
    return r.records


if __name__ == "__main__":
    import httpx

    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    with httpx.Client(base_url=base, timeout=30) as c:
        print(json.dumps(run(c), indent=1))
