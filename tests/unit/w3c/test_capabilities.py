import pytest

from hub.w3c.capabilities import SessionOptions, driver_capabilities, process_capabilities
from hub.w3c.errors import InvalidArgument


def caps(always=None, first=None):
    body = {"capabilities": {}}
    if always is not None:
        body["capabilities"]["alwaysMatch"] = always
    if first is not None:
        body["capabilities"]["firstMatch"] = first
    return body


def test_always_match_merged_into_each_first_match_in_order():
    merged = process_capabilities(caps(
        {"browserName": "chrome", "goog:chromeOptions": {"args": []}},
        [{"browserVersion": "156"}, {"platformName": "linux"}],
    ))
    assert merged == [
        {"browserName": "chrome", "goog:chromeOptions": {"args": []}, "browserVersion": "156"},
        {"browserName": "chrome", "goog:chromeOptions": {"args": []}, "platformName": "linux"},
    ]


def test_missing_first_match_means_one_empty_entry():
    assert process_capabilities(caps({"browserName": "firefox"})) == [{"browserName": "firefox"}]


def test_null_capabilities_are_dropped():
    assert process_capabilities(caps({"browserName": "chrome", "acceptInsecureCerts": None})) == [
        {"browserName": "chrome"}
    ]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ([], "must be a JSON object"),
        ({}, "no 'capabilities'"),
        ({"capabilities": []}, "'capabilities' must be a JSON object"),
        (caps([]), "alwaysMatch must be a JSON object"),
        (caps({}, []), "non-empty"),
        (caps({}, {}), "non-empty"),
        (caps({"browserName": "chrome"}, [{"browserName": "firefox"}]), "repeats alwaysMatch"),
        (caps({"browserName": 5}), "'browserName' must be a string"),
        (caps({"acceptInsecureCerts": "yes"}), "must be a boolean"),
        (caps({"pageLoadStrategy": "fast"}), "pageLoadStrategy"),
        (caps({"timeouts": {"implicit": -1}}), "out of range"),
        (caps({"timeouts": {"implicit": 1.5}}), "integer"),
        (caps({"timeouts": {"nap": 1}}), "unknown timeout"),
        (caps({"fancy": True}), "vendor prefix"),
        (caps({"unhandledPromptBehavior": "shout"}), "unhandledPromptBehavior"),
    ],
)
def test_invalid_capabilities_are_invalid_argument(body, fragment):
    with pytest.raises(InvalidArgument) as error:
        process_capabilities(body)
    assert fragment in error.value.message
    assert error.value.status == 400


def test_options_read_from_every_vendor_with_tggrid_winning():
    options = SessionOptions.from_capabilities({
        "selenoid:options": {"enableVNC": True, "videoName": "selenoid.mp4", "name": "s",
                             "sessionTimeout": "2m", "env": ["LANG=de_DE.UTF-8"]},
        "se:recordVideo": True,
        "se:screenResolution": "1280x720",
        "tggrid:options": {"name": "mine", "idleTimeout": 30},
    })
    assert options.enable_vnc and options.enable_video and options.needs_screen
    assert options.name == "mine"
    assert options.video_name == "selenoid.mp4"
    assert options.idle_timeout == 30
    assert options.screen_resolution == (1280, 720, 24)
    assert options.env == {"LANG": "de_DE.UTF-8"}


def test_defaults_are_headless_full_hd():
    options = SessionOptions.from_capabilities({"browserName": "chrome"})
    assert not options.needs_screen
    assert options.screen_resolution == (1920, 1080, 24)
    assert options.video_frame_rate == 30


@pytest.mark.parametrize(
    "bad",
    [
        {"tggrid:options": {"screenResolution": "big"}},
        {"tggrid:options": {"enableVNC": "maybe"}},
        {"tggrid:options": {"idleTimeout": -1}},
        {"tggrid:options": {"videoFrameRate": 500}},
        {"selenoid:options": {"env": ["NOEQUALS"]}},
        {"tggrid:options": "on"},
    ],
)
def test_bad_vendor_options_are_invalid_argument(bad):
    with pytest.raises(InvalidArgument):
        SessionOptions.from_capabilities(bad)


def test_driver_gets_no_hub_options_and_no_matched_fields():
    sent = driver_capabilities({
        "browserName": "chrome", "browserVersion": "156", "platformName": "linux",
        "tggrid:options": {}, "se:name": "x", "selenoid:options": {},
        "goog:chromeOptions": {"args": ["--foo"]},
    })
    assert sent == {"browserName": "chrome", "goog:chromeOptions": {"args": ["--foo"]}}
