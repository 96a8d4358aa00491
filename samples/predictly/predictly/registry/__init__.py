from predictly.registry.metadata import ModelMetadata
from predictly.registry.versions import ACTIVE_MODELS, list_models

__all__ = ["ModelMetadata", "ACTIVE_MODELS", "list_models"]
