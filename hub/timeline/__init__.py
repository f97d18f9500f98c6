"""The session timeline: every step a test took, beside its video (issue 19)."""
