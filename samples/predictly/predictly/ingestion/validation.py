import pandas as pd

from predictly.utils import PredictlyError

REQUIRED_COLUMNS = {"tenure_months", "monthly_spend", "support_tickets", "plan"}
NUMERIC_COLUMNS = ["tenure_months", "monthly_spend", "support_tickets"]


def validate_frame(df: pd.DataFrame, require_label=True):
    missing = REQUIRED_COLUMNS - set(df.columns)
    if require_label and "churned" not in df.columns:
        missing.add("churned")
    if missing:
        raise PredictlyError(f"missing columns: {sorted(missing)}")
    problems = []
    for col in NUMERIC_COLUMNS:
        coerced = pd.to_numeric(df[col], errors="coerce")
        bad = int(coerced.isna().sum())
        if bad:
            problems.append(f"{col}: {bad} non-numeric values")
        df[col] = coerced
    if (df["tenure_months"] < 0).any():
        problems.append("tenure_months: negative values")
    if problems:
        raise PredictlyError("; ".join(problems), status_code=422)
    return df


def clean_frame(df: pd.DataFrame):
    df = df.drop_duplicates(subset=["customer_id"]) if "customer_id" in df.columns else df.drop_duplicates()
    df["plan"] = df["plan"].astype(str).str.lower().str.strip()
    if "region" in df.columns:
        df["region"] = df["region"].fillna("unknown").astype(str).str.lower()
    return df.reset_index(drop=True)
