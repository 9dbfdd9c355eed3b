"""Identity: passwords, signing keys, tokens, account flows."""
