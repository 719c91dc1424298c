"""Offers and requests: items to give or lend, skills, donations, and residents' needs."""
