"""Monitoring: Prometheus metrics, Selenium Grid GraphQL (wired by ``feature.setup``)."""
