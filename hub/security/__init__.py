"""Secure by default: the request guard (Host, Origin, body limits) and the capability
policy. See docs/security.md for what each kind of caller may do."""
