import json
from pathlib import Path

import pandas as pd

from predictly.config import settings
from predictly.utils import PredictlyError, log, timed


def _resolve(path):
    p = Path(path)
    if not p.is_absolute():
        p = Path(settings.data_dir) / p
    p = p.resolve()
    # only allow reading from the data directory
    if Path(settings.data_dir).resolve() not in p.parents:
        raise PredictlyError(f"path outside data dir: {path}")
    if not p.exists():
        raise PredictlyError(f"no such file: {path}", status_code=404)
    return p


@timed("ingestion.load_csv")
def load_csv(path, delimiter=",", max_rows=None):
    p = _resolve(path)
    df = pd.read_csv(p, sep=delimiter, nrows=max_rows)
    df.columns = [c.strip().lower().replace(" ", "_") for c in df.columns]
    log.info("loaded %s rows from %s", len(df), p.name)
    return df


def load_json_file(path):
    p = _resolve(path)
    with open(p) as fh:
        data = json.load(fh)
    if isinstance(data, dict) and "records" in data:
        data = data["records"]
    return load_json_records(data)


def load_json_records(records):
    if not isinstance(records, list) or not records:
        raise PredictlyError("expected a non-empty list of records")
    if not all(isinstance(r, dict) for r in records):
        raise PredictlyError("records must be objects")
    df = pd.DataFrame.from_records(records)
    df.columns = [str(c).strip().lower() for c in df.columns]
    return df
