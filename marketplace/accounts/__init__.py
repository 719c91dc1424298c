"""Users, organisations, roles, login sessions, API tokens and login throttling."""
