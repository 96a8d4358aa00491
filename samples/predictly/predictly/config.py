import os
import tempfile
from pathlib import Path

_DEFAULT_ROOT = Path(tempfile.gettempdir()) / "predictly"
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


class Settings:
    """Process-wide settings, read from the environment.

    NOTE: admin endpoints mutate `maintenance_mode` and `feature_flags` at runtime;
    prediction handlers read them. Don't cache attributes locally.
    """

    def __init__(self):
        self.reload()

    def reload(self):
        self.db_path = os.environ.get("PREDICTLY_DB", str(_DEFAULT_ROOT / "predictly.db"))
        self.model_dir = os.environ.get("PREDICTLY_MODEL_DIR", str(_DEFAULT_ROOT / "models"))
        self.data_dir = os.environ.get("PREDICTLY_DATA_DIR", str(_PACKAGE_ROOT / "data"))
        self.env = os.environ.get("PREDICTLY_ENV", "dev")
        self.model_cache_size = int(os.environ.get("PREDICTLY_MODEL_CACHE", "4"))
        self.drift_threshold = float(os.environ.get("PREDICTLY_DRIFT_THRESHOLD", "0.2"))
        self.password_iterations = int(os.environ.get("PREDICTLY_PBKDF2_ITERS", "2000"))
        self.default_plan = os.environ.get("PREDICTLY_DEFAULT_PLAN", "free")
        self.maintenance_mode = False
        self.feature_flags = {"batch_predict": True, "drift_on_predict": False}
        return self

    def ensure_dirs(self):
        Path(self.db_path).parent.mkdir(parents=True, exist_ok=True)
        Path(self.model_dir).mkdir(parents=True, exist_ok=True)

    def as_dict(self):
        return {
            "env": self.env,
            "model_cache_size": self.model_cache_size,
            "drift_threshold": self.drift_threshold,
            "default_plan": self.default_plan,
            "maintenance_mode": self.maintenance_mode,
            "feature_flags": dict(self.feature_flags),
        }


settings = Settings()
