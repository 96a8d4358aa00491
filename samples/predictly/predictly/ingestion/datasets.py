import pandas as pd

from predictly import db
from predictly.ingestion.validation import clean_frame, validate_frame
from predictly.utils import NotFound, dumps, loads, now_iso, slugify


def save_dataset(name, df: pd.DataFrame, source):
    df = clean_frame(validate_frame(df))
    name = slugify(name)
    payload = dumps(df.to_dict(orient="records"))
    existing = db.query_one("SELECT id FROM datasets WHERE name = ?", (name,))
    if existing:
        db.execute(
            "UPDATE datasets SET source = ?, n_rows = ?, columns = ?, payload = ?, created_at = ? WHERE id = ?",
            (source, len(df), dumps(list(df.columns)), payload, now_iso(), existing["id"]),
        )
    else:
        db.execute(
            "INSERT INTO datasets (name, source, n_rows, columns, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (name, source, len(df), dumps(list(df.columns)), payload, now_iso()),
        )
    return describe_dataset(name)


def append_rows(name, df: pd.DataFrame, source="append"):
    current = get_dataset(name)
    extra = [c for c in df.columns if c not in current.columns]
    combined = pd.concat([current, df], ignore_index=True)[list(current.columns) + extra]
    return save_dataset(name, combined, source)


def get_dataset(name) -> pd.DataFrame:
    row = db.query_one("SELECT columns, payload FROM datasets WHERE name = ?", (slugify(name),))
    if row is None:
        raise NotFound(f"dataset {name!r} not found")
    df = pd.DataFrame.from_records(loads(row["payload"]))
    return df[loads(row["columns"])]


def describe_dataset(name):
    row = db.query_one(
        "SELECT name, source, n_rows, columns, created_at FROM datasets WHERE name = ?", (slugify(name),)
    )
    if row is None:
        raise NotFound(f"dataset {name!r} not found")
    row["columns"] = loads(row["columns"])
    return row


def list_datasets():
    rows = db.query("SELECT name, source, n_rows, created_at FROM datasets ORDER BY name")
    return rows
