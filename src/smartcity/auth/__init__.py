"""Users, roles, tokens and service accounts."""
