"""Matching offers and requests: explainable scores, suggestions, alerts, fulfilled requests."""
