import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Point the import-time defaults somewhere harmless before predictly is imported.
_SESSION_TMP = Path(tempfile.mkdtemp(prefix="predictly-tests-"))
atexit.register(shutil.rmtree, _SESSION_TMP, ignore_errors=True)
os.environ.setdefault("PREDICTLY_DB", str(_SESSION_TMP / "predictly.db"))
os.environ.setdefault("PREDICTLY_MODEL_DIR", str(_SESSION_TMP / "models"))
os.environ.setdefault("PREDICTLY_PBKDF2_ITERS", "1000")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("PREDICTLY_DB", str(tmp_path / "predictly.db"))
    monkeypatch.setenv("PREDICTLY_MODEL_DIR", str(tmp_path / "models"))
    from predictly.api.app import create_app

    return create_app()


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


ADMIN = {"email": "root@example.com", "password": "Adm1nPassword", "plan": "pro", "role": "admin"}


@pytest.fixture
def admin_key(client):
    assert client.post("/users", json=ADMIN).status_code == 201
    resp = client.post("/auth/keys", json={"email": ADMIN["email"], "password": ADMIN["password"]})
    return resp.json()["api_key"]


@pytest.fixture
def trained(client, admin_key):
    h = {"X-API-Key": admin_key}
    assert client.post("/datasets", json={"name": "churn", "source": "csv", "path": "churn.csv"},
                       headers=h).status_code == 201
    resp = client.post("/train", json={"dataset": "churn", "algorithm": "logreg"}, headers=h)
    assert resp.status_code == 201, resp.text
    return resp.json()["model"]
