"""Monitoring: Prometheus metrics, Selenium Grid GraphQL (wired by ``setup.setup``)."""
