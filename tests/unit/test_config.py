from pathlib import Path

import pytest

from hub.cli import configuration_markdown
from hub.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_listen_on_loopback_4444():
    settings = load_settings({}, env={})
    assert (settings.host, settings.port) == ("127.0.0.1", 4444)
    assert settings.session_timeout == 300
    assert settings.session_request_timeout == 300
    assert settings.data_dir.endswith(".local/share/tggrid")


def test_precedence_flags_over_env_over_toml_over_defaults(tmp_path):
    toml = tmp_path / "hub.toml"
    toml.write_text('port = 5000\nsession_timeout = 10\nmax_sessions = 7\nbrowsers = ["chrome"]\n')
    env = {"TGGRID_PORT": "5001", "TGGRID_SESSION_TIMEOUT": "20"}
    settings = load_settings({"port": "5002", "config": str(toml)}, env=env)
    assert settings.port == 5002
    assert settings.session_timeout == 20
    assert settings.max_sessions == 7
    assert settings.browsers == ["chrome"]
    assert settings.host == Settings().host


def test_hub_table_and_env_config_file(tmp_path):
    toml = tmp_path / "hub.toml"
    toml.write_text("[hub]\nenable-vnc = true\n")
    settings = load_settings({}, env={"TGGRID_CONFIG": str(toml)})
    assert settings.enable_vnc is True


@pytest.mark.parametrize(
    ("flags", "env", "message"),
    [
        ({"port": "x"}, {}, "setting 'port' from --port"),
        ({}, {"TGGRID_ENABLE_VNC": "maybe"}, "TGGRID_ENABLE_VNC"),
        ({"port": "70000"}, {}, "not a TCP port"),
        ({"max_sessions": "0"}, {}, "at least 1"),
        ({"provider": "cloud"}, {}, "provider"),
    ],
)
def test_bad_values_name_the_setting_and_source(flags, env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(flags, env=env)


def test_unknown_key_and_broken_toml_are_reported(tmp_path):
    unknown = tmp_path / "a.toml"
    unknown.write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load_settings({"config": str(unknown)}, env={})
    broken = tmp_path / "b.toml"
    broken.write_text("port = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({"config": str(broken)}, env={})


def test_docs_configuration_lists_every_setting_as_generated():
    assert (ROOT / "docs" / "configuration.md").read_text() == configuration_markdown(), (
        "docs/configuration.md is stale: run `tggrid config --markdown > docs/configuration.md`"
    )


def test_hub_dead_after_must_exceed_the_heartbeat_interval():
    with pytest.raises(ConfigError, match=r"'hub_dead_after' \(10 s\) must exceed"):
        load_settings({"hub_heartbeat_interval": "10", "hub_dead_after": "10"}, env={})
    with pytest.raises(ConfigError, match="'hub_heartbeat_interval' must be positive"):
        load_settings({}, env={"TGGRID_HUB_HEARTBEAT_INTERVAL": "0"})
    settings = load_settings({"hub_heartbeat_interval": "1", "hub_dead_after": "3"}, env={})
    assert (settings.hub_heartbeat_interval, settings.hub_dead_after) == (1, 3)
