from predictly import db
from predictly.registry.metadata import ModelMetadata
from predictly.utils import NotFound, dumps, loads, now_iso

# model name -> currently promoted version. Written here on register/promote,
# read by serving.loader on every request. Warmed lazily from the db.
ACTIVE_MODELS = {}


def next_version(name):
    row = db.query_one("SELECT MAX(version) AS v FROM models WHERE name = ?", (name,))
    return (row["v"] or 0) + 1


def register_version(meta: ModelMetadata, path, created_by=None, activate=True):
    db.execute(
        "INSERT INTO models (name, version, algorithm, path, metrics, params, status, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, 'staged', ?, ?)",
        (meta.name, meta.version, meta.algorithm, path, dumps(meta.metrics), dumps(meta.params),
         created_by, now_iso()),
    )
    if activate:
        promote(meta.name, meta.version)
    return meta


def promote(name, version):
    row = db.query_one("SELECT id FROM models WHERE name = ? AND version = ?", (name, version))
    if row is None:
        raise NotFound(f"model {name} v{version} not found")
    db.execute("UPDATE models SET status = 'archived' WHERE name = ? AND status = 'production'", (name,))
    db.execute("UPDATE models SET status = 'production' WHERE id = ?", (row["id"],))
    ACTIVE_MODELS[name] = version
    return version


def active_version(name):
    if name in ACTIVE_MODELS:
        return ACTIVE_MODELS[name]
    row = db.query_one(
        "SELECT version FROM models WHERE name = ? AND status = 'production' ORDER BY version DESC LIMIT 1",
        (name,),
    )
    if row is None:
        row = db.query_one("SELECT MAX(version) AS version FROM models WHERE name = ?", (name,))
        if row is None or row["version"] is None:
            raise NotFound(f"no model named {name!r}")
    ACTIVE_MODELS[name] = row["version"]
    return row["version"]


def get_version_row(name, version):
    row = db.query_one("SELECT * FROM models WHERE name = ? AND version = ?", (name, version))
    if row is None:
        raise NotFound(f"model {name} v{version} not found")
    row["metrics"] = loads(row["metrics"])
    row["params"] = loads(row["params"])
    return row


def list_models():
    rows = db.query(
        "SELECT name, version, algorithm, status, metrics, created_at FROM models ORDER BY name, version"
    )
    out = {}
    for r in rows:
        entry = out.setdefault(r["name"], {"name": r["name"], "versions": [], "active": None})
        entry["versions"].append({
            "version": r["version"],
            "algorithm": r["algorithm"],
            "status": r["status"],
            "accuracy": loads(r["metrics"]).get("accuracy"),
            "created_at": r["created_at"],
        })
        if r["status"] == "production":
            entry["active"] = r["version"]
    return list(out.values())
