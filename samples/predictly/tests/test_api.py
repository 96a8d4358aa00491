SAMPLE = {"tenure_months": 5, "monthly_spend": 70.0, "support_tickets": 3, "plan": "basic"}


def hdr(key):
    return {"X-API-Key": key}


def test_health(client):
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["db"] is True


def test_signup_and_login(client):
    resp = client.post("/users", json={"email": "Jo@Example.com", "password": "Passw0rdXY"})
    assert resp.status_code == 201
    assert resp.json()["email"] == "jo@example.com"
    assert resp.json()["plan"] == "free"
    key = client.post("/auth/keys", json={"email": "jo@example.com", "password": "Passw0rdXY"}).json()["api_key"]
    assert key.startswith("pk_")
    assert client.get("/users/me", headers=hdr(key)).json()["email"] == "jo@example.com"


def test_weak_password_and_duplicate(client):
    assert client.post("/users", json={"email": "a@b.c", "password": "short"}).status_code == 422
    assert client.post("/users", json={"email": "a@b.c", "password": "L0ngEnough"}).status_code == 201
    assert client.post("/users", json={"email": "a@b.c", "password": "L0ngEnough"}).status_code == 409


def test_only_first_user_can_be_admin(client, admin_key):
    resp = client.post("/users", json={"email": "x@y.z", "password": "Passw0rdXY", "role": "admin"})
    assert resp.status_code == 403


def test_missing_key_rejected(client):
    assert client.post("/predict", json={"model": "m", "features": SAMPLE}).status_code == 401
    assert client.get("/models", headers=hdr("nope")).status_code == 401


def test_ingest_and_list(client, admin_key):
    resp = client.post("/datasets", json={"name": "Churn Q1", "source": "csv", "path": "churn.csv"},
                       headers=hdr(admin_key))
    assert resp.status_code == 201
    assert resp.json()["name"] == "churn-q1"
    assert resp.json()["n_rows"] == 48
    names = [d["name"] for d in client.get("/datasets", headers=hdr(admin_key)).json()["datasets"]]
    assert names == ["churn-q1"]


def test_ingest_rejects_path_escape(client, admin_key):
    resp = client.post("/datasets", json={"name": "x", "source": "csv", "path": "../pyproject.toml"},
                       headers=hdr(admin_key))
    assert resp.status_code == 400


def test_train_and_registry(client, admin_key, trained):
    assert trained["version"] == 1
    assert trained["metrics"]["accuracy"] > 0.6
    models = client.get("/models", headers=hdr(admin_key)).json()["models"]
    assert models[0]["name"] == "churn" and models[0]["active"] == 1


def test_predict_single_and_batch(client, admin_key, trained):
    one = client.post("/predict", json={"model": "churn", "features": SAMPLE}, headers=hdr(admin_key)).json()
    assert 0.0 <= one["churn_probability"] <= 1.0
    assert one["version"] == 1
    batch = client.post("/predict/batch", json={"model": "churn", "rows": [SAMPLE, SAMPLE]},
                        headers=hdr(admin_key)).json()
    assert batch["summary"]["n"] == 2
    assert batch["results"][0]["churn_probability"] == one["churn_probability"]


def test_promote_switches_serving_version(client, admin_key, trained):
    h = hdr(admin_key)
    client.post("/train", json={"dataset": "churn", "algorithm": "forest"}, headers=h)
    assert client.post("/predict", json={"model": "churn", "features": SAMPLE}, headers=h).json()["version"] == 2
    client.post("/models/churn/promote", json={"version": 1}, headers=h)
    assert client.post("/predict", json={"model": "churn", "features": SAMPLE}, headers=h).json()["version"] == 1


def test_usage_and_invoice(client, admin_key, trained):
    h = hdr(admin_key)
    client.post("/predict", json={"model": "churn", "features": SAMPLE}, headers=h)
    usage = client.get("/billing/usage", headers=h).json()
    assert usage["total_units"] == 2 + 10 + 1  # ingest + train + predict
    inv = client.post("/billing/invoices", headers=h).json()
    assert inv["amount_cents"] == 2900
    assert client.get("/billing/usage", headers=h).json()["total_units"] == 0


def test_free_plan_cannot_batch(client, trained):
    client.post("/users", json={"email": "f@r.ee", "password": "Passw0rdXY"})
    key = client.post("/auth/keys", json={"email": "f@r.ee", "password": "Passw0rdXY"}).json()["api_key"]
    resp = client.post("/predict/batch", json={"model": "churn", "rows": [SAMPLE]}, headers=hdr(key))
    assert resp.status_code == 403


def test_admin_metrics_and_maintenance(client, admin_key, trained):
    h = hdr(admin_key)
    client.post("/predict", json={"model": "churn", "features": SAMPLE}, headers=h)
    snap = client.get("/admin/metrics", headers=h).json()
    assert snap["counters"]["predictions_total"] == 1
    assert snap["gauges"]["rows.models"] == 1
    client.post("/admin/settings", json={"maintenance_mode": True}, headers=h)
    assert client.post("/predict", json={"model": "churn", "features": SAMPLE}, headers=h).status_code == 503
