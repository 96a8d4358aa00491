"""Predictly: churn scoring for subscription businesses."""

__version__ = "0.7.3"
