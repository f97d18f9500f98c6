"""Authentication: passwords, API tokens, TOTP 2FA, throttling and the auth middleware."""
