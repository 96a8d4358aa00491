from predictly.ingestion.loaders import load_csv, load_json_records
from predictly.ingestion.datasets import save_dataset, get_dataset, list_datasets

__all__ = ["load_csv", "load_json_records", "save_dataset", "get_dataset", "list_datasets"]
