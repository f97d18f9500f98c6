import pytest

from hub.grid.matching import matches

CHROME = {"browserName": "chrome", "browserVersion": "156.0.8078.108", "platformName": "linux"}


@pytest.mark.parametrize(
    "requested",
    [
        {},
        {"browserName": "chrome"},
        {"browserName": "Chromium"},
        {"browserName": "CHROME", "browserVersion": "156"},
        {"browserVersion": "156.0"},
        {"browserVersion": "latest"},
        {"platformName": "LINUX"},
        {"platformName": "any"},
        {"goog:chromeOptions": {"args": ["--x"]}, "se:name": "t", "tggrid:options": {}},
        {"acme:flavour": "vanilla"},
    ],
)
def test_matching_requests(requested):
    assert matches(CHROME, requested)


@pytest.mark.parametrize(
    "requested",
    [
        {"browserName": "firefox"},
        {"browserVersion": "155"},
        {"browserVersion": "15"},
        {"platformName": "windows"},
    ],
)
def test_non_matching_requests(requested):
    assert not matches(CHROME, requested)


def test_other_vendor_capabilities_compared_only_when_the_stereotype_names_them():
    stereotype = {**CHROME, "acme:flavour": "vanilla"}
    assert matches(stereotype, {"acme:flavour": "vanilla"})
    assert not matches(stereotype, {"acme:flavour": "chocolate"})
