"""Claims of offers: holds, pick-up codes, loans, skill slots, waitlists and the sweeper."""
