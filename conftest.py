"""Root conftest: makes the repository importable and shares the real-hub fixtures."""

pytest_plugins = ["tests.support.fixtures", "tests.support.secured_hub", "pytester"]
