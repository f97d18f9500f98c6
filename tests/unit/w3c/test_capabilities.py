import pytest

from hub.w3c.capabilities import (
    SessionOptions,
    deserialize_prompt_behavior,
    deserialize_proxy,
    driver_capabilities,
    merge_capabilities,
    prefer_exact_matches,
    process_capabilities,
    validate_capabilities,
)
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
        ({"capabilities": {"alwaysMatch": None}}, "alwaysMatch must be a JSON object"),
        ({"capabilities": {"firstMatch": None}}, "non-empty"),
        (caps({}, [{}, None]), "firstMatch[1] must be a JSON object"),
        (caps({"pageLoadStrategy": []}), "must be a string"),
        (caps({"pageLoadStrategy": {}}), "must be a string"),
        (caps({}, [{"pageLoadStrategy": ["eager"]}]), "must be a string"),
        (caps({"browserName": ["chrome"]}), "'browserName' must be a string"),
        (caps({}, [{"platformName": 1}]), "'platformName' must be a string"),
        (caps({"timeouts": {"implicit": float("inf")}}), "integer"),
        (caps({"timeouts": {"script": float("nan")}}), "integer"),
        (caps({"unhandledPromptBehavior": 1}), "string or an object"),
        (caps({"unhandledPromptBehavior": ["accept"]}), "string or an object"),
        (caps({}, [{"proxy": {"proxyType": "pac"}}]), "needs a proxyAutoconfigUrl"),
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


@pytest.mark.parametrize(
    ("proxy", "fragment"),
    [
        ("direct", "must be an object"),
        ([], "must be an object"),
        ({}, "proxyType is required"),
        ({"proxyType": "pac"}, "needs a proxyAutoconfigUrl"),
        ({"proxyType": "PAC", "proxyAutoconfigUrl": "http://x/p.pac"}, "proxyType must be"),
        ({"proxyType": ["manual"]}, "proxyType must be"),
        ({"proxyType": "carrier-pigeon"}, "proxyType must be"),
        ({"proxyAutoconfigUrl": "http://x/p.pac"}, "proxyType is required"),
        ({"proxyType": "pac", "proxyAutoconfigUrl": "not a url"}, "must be a URL"),
        ({"proxyType": "pac", "proxyAutoconfigUrl": 5}, "must be a URL"),
        ({"proxyType": "manual", "httpProxy": "http://proxy:3128"}, "no scheme"),
        ({"proxyType": "manual", "httpProxy": "proxy:99999"}, "no scheme"),
        ({"proxyType": "manual", "httpProxy": "proxy:port"}, "no scheme"),
        ({"proxyType": "manual", "httpProxy": "proxy:3128/path"}, "no scheme"),
        ({"proxyType": "manual", "sslProxy": 3128}, "no scheme"),
        ({"proxyType": "manual", "noProxy": "localhost"}, "noProxy must be a list"),
        ({"proxyType": "manual", "noProxy": [1]}, "noProxy must be a list"),
        ({"proxyType": "manual", "socksProxy": "s:1080"}, "needs a socksVersion"),
        ({"proxyType": "manual", "socksProxy": "s:1080", "socksVersion": 256}, "0-255"),
        ({"proxyType": "manual", "socksProxy": "s:1080", "socksVersion": 5.5}, "0-255"),
        ({"proxyType": "manual", "socksProxy": "s:1080", "socksVersion": True}, "0-255"),
        ({"proxyType": "manual", "ftpProxy": "ftp:21"}, "unknown key 'ftpProxy'"),
    ],
)
def test_proxy_is_deserialized_as_the_spec_says(proxy, fragment):
    with pytest.raises(InvalidArgument) as error:
        deserialize_proxy(proxy)
    assert fragment in error.value.message
    with pytest.raises(InvalidArgument):  # and so is the capability, wherever it comes
        process_capabilities(caps({}, [{"browserName": "chrome"}, {"proxy": proxy}]))


@pytest.mark.parametrize(
    "proxy",
    [
        {"proxyType": "direct"},
        {"proxyType": "system"},
        {"proxyType": "autodetect"},
        {"proxyType": "pac", "proxyAutoconfigUrl": "http://127.0.0.1/proxy.pac"},
        {"proxyType": "manual", "httpProxy": "proxy.local:3128", "sslProxy": "user:pw@p:443",
         "noProxy": ["127.0.0.1", ".local"], "socksProxy": "[::1]:1080", "socksVersion": 5},
        {"proxyType": "manual", "httpProxy": "proxy.local"},
    ],
)
def test_valid_proxies_pass_unchanged(proxy):
    assert deserialize_proxy(proxy) is proxy


@pytest.mark.parametrize(
    "value",
    ["accept", "dismiss", "accept and notify", "dismiss and notify", "ignore",
     {"beforeUnload": "accept", "default": "dismiss"},
     {"alert": "ignore", "confirm": "accept and notify", "prompt": "dismiss", "file": "accept"},
     {}],
)
def test_prompt_behavior_strings_and_the_map_form(value):
    assert deserialize_prompt_behavior(value) == value


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("Accept", "unknown unhandledPromptBehavior"),
        ({"alert": None}, "not a known prompt handler"),
        ({"alert": "shout"}, "not a known prompt handler"),
        ({"alert": ["accept"]}, "not a known prompt handler"),
        ({"beforeunload": "accept"}, "not a prompt type"),
        ({"fallbackDefault": "accept"}, "not a prompt type"),
        (True, "string or an object"),
    ],
)
def test_bad_prompt_behaviors_are_invalid_argument(value, fragment):
    with pytest.raises(InvalidArgument) as error:
        deserialize_prompt_behavior(value)
    assert fragment in error.value.message


def test_validate_drops_nulls_and_keeps_values_as_sent():
    proxy = {"proxyType": "manual", "httpProxy": "p:1"}
    assert validate_capabilities({"proxy": proxy, "browserName": None, "x:y": [1]}, "t") == {
        "proxy": proxy, "x:y": [1]}


def test_merge_refuses_a_key_in_both_and_keeps_everything_else():
    assert merge_capabilities({"a:x": 1}, {"b:y": 2}, "f") == {"a:x": 1, "b:y": 2}
    with pytest.raises(InvalidArgument) as error:
        merge_capabilities({"browserName": "chrome"}, {"browserName": "chrome"}, "firstMatch[0]")
    assert "firstMatch[0] repeats alwaysMatch capabilities: ['browserName']" in error.value.message


def test_every_first_match_entry_is_validated_before_any_is_merged():
    # Step 5 validates all entries, step 7 merges: the bad value in the second entry is the
    # error, not the repeated key in the first.
    with pytest.raises(InvalidArgument) as error:
        process_capabilities(caps({"browserName": "chrome"},
                                  [{"browserName": "chrome"}, {"pageLoadStrategy": 1}]))
    assert "pageLoadStrategy" in error.value.message


def test_a_null_in_first_match_does_not_count_as_a_repeated_key():
    assert process_capabilities(caps({"browserName": "chrome"}, [{"browserName": None}])) == [
        {"browserName": "chrome"}]


CHROME = {"browserName": "chrome", "browserVersion": "156.0", "platformName": "linux"}
FIREFOX = {"browserName": "firefox", "browserVersion": "140.0", "platformName": "linux"}


def test_an_exact_platform_match_wins_over_the_case_insensitive_fallback():
    upper = {"platformName": "LINUX", "pageLoadStrategy": "eager"}
    lower = {"platformName": "linux", "pageLoadStrategy": "none"}
    assert prefer_exact_matches([upper, lower], [CHROME]) == [lower, upper]


def test_exact_browser_names_keep_first_match_order_and_the_fallback_comes_last():
    alias = {"browserName": "Chromium"}
    firefox = {"browserName": "firefox"}
    chrome = {"browserName": "chrome"}
    assert prefer_exact_matches([alias, firefox, chrome], [CHROME, FIREFOX]) == [
        firefox, chrome, alias]
    assert prefer_exact_matches([alias, firefox], []) == [alias, firefox]
