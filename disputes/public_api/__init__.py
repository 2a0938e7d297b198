"""The resident API (no account): online filing, where a case stands, the resident's rating."""
