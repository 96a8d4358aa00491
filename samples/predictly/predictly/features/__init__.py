from predictly.features.spec import FEATURE_SPEC, FeatureSpec
from predictly.features.transforms import build_features

__all__ = ["FEATURE_SPEC", "FeatureSpec", "build_features"]
