"""TLS settings for tcp:// engines are checked before any node starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import ConfigError, Settings
from hub.nodes.docker_setup import engine_tls


def test_tls_files_that_exist_are_passed_on(tmp_path: Path) -> None:
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("PEM")
    settings = Settings(docker_tls_verify=True, docker_tls_ca=str(tmp_path / "ca.pem"),
                        docker_tls_cert=str(tmp_path / "cert.pem"),
                        docker_tls_key=str(tmp_path / "key.pem"))

    tls = engine_tls(settings)

    assert (tls.verify, tls.enabled, tls.ca) == (True, True, str(tmp_path / "ca.pem"))


def test_a_missing_tls_file_is_a_configuration_error(tmp_path: Path) -> None:
    settings = Settings(docker_tls_verify=True, docker_tls_ca=str(tmp_path / "none.pem"))

    with pytest.raises(ConfigError, match="docker_tls_ca"):
        engine_tls(settings)


def test_a_client_certificate_without_its_key_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "cert.pem").write_text("PEM")
    settings = Settings(docker_tls_cert=str(tmp_path / "cert.pem"))

    with pytest.raises(ConfigError, match="go together"):
        engine_tls(settings)
