from fastapi.testclient import TestClient

import scenario


def _fresh_run(tmp_path, monkeypatch, sub):
    monkeypatch.setenv("PREDICTLY_DB", str(tmp_path / sub / "predictly.db"))
    monkeypatch.setenv("PREDICTLY_MODEL_DIR", str(tmp_path / sub / "models"))
    from predictly.api.app import create_app

    with TestClient(create_app()) as client:
        return scenario.run(client)


def test_scenario_end_to_end_and_deterministic(tmp_path, monkeypatch):
    first = _fresh_run(tmp_path, monkeypatch, "a")
    by_path = {}
    for rec in first:
        by_path.setdefault((rec["method"], rec["path"]), []).append(rec)

    assert [r["status"] for r in first if r["path"] == "/health"] == [200, 200]
    trains = by_path[("POST", "/train")]
    assert [t["status"] for t in trains] == [201, 201, 400]
    assert trains[1]["body"]["model"]["version"] == 2
    preds = by_path[("POST", "/predict")]
    assert [p["status"] for p in preds] == [200, 200, 401, 503]
    assert by_path[("POST", "/predict/batch")][0]["body"]["summary"]["n"] == 4
    assert by_path[("POST", "/billing/invoices")][0]["body"]["amount_cents"] == 2900
    metrics = [r for r in first if r["path"] == "/admin/metrics"]
    assert [m["status"] for m in metrics] == [403, 200]
    assert metrics[1]["body"]["counters"]["predictions_total"] == 6

    second = _fresh_run(tmp_path, monkeypatch, "b")
    assert first == second
