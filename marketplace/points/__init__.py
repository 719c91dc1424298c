"""The 益起来 volunteer-points scheme: an append-only ledger, earning rules, merchant rewards."""
