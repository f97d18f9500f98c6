"""A Docker engine reached over tcp://127.0.0.1 with mutual TLS is a node like any other.

The engine is a spare dockerd with ``--tlsverify`` and certificates from a throwaway CA made
here; a hub without a client certificate is refused by it, and says so.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import certifi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from docker.tls import TLSConfig
from selenium import webdriver
from selenium.common.exceptions import SessionNotCreatedException

from tests.docker.test_docker_node import PAGE, containers_of, options_for, wait_until
from tests.support.engines import Engine, spare_engine
from tests.support.fixtures import HubFactory
from tests.support.hubs import free_port

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


def _issue(
    path: Path, subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey, extensions: list[x509.ExtensionType],
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=1)))
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    certificate = builder.sign(issuer_key, hashes.SHA256())
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return certificate


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A throwaway CA, a server certificate for IP 127.0.0.1 and a client certificate."""
    root = tmp_path_factory.mktemp("tls")
    files = TlsFiles(root / "ca.pem", root / "server-cert.pem", root / "server-key.pem",
                     root / "cert.pem", root / "key.pem")
    ca_key, server_key, client_key = (ec.generate_private_key(ec.SECP256R1())
                                      for _ in range(3))
    ca = _issue(files.ca, "tggrid test CA", ca_key, _name("tggrid test CA"), ca_key,
                [x509.BasicConstraints(ca=True, path_length=None)])
    _issue(files.server_cert, "127.0.0.1", server_key, ca.subject, ca_key,
           [x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])])
    _issue(files.client_cert, "tggrid hub", client_key, ca.subject, ca_key,
           [x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])])
    _write_key(files.server_key, server_key)
    _write_key(files.client_key, client_key)
    return files


@pytest.fixture(scope="module")
def tls_engine(
    tmp_path_factory: pytest.TempPathFactory, node_images: dict[str, str], tls_files: TlsFiles,
) -> Iterator[Engine]:
    """A dockerd that only listens on tcp://127.0.0.1:<port> and wants a client certificate."""
    files = tls_files
    url = f"tcp://127.0.0.1:{free_port()}"
    with spare_engine(
        tmp_path_factory.mktemp("dockerd-tls"), [node_images["chrome"]], name="tls",
        bridge_address="10.231.78.1/24", url=url,
        dockerd_args=["--tlsverify", f"--tlscacert={files.ca}",
                      f"--tlscert={files.server_cert}", f"--tlskey={files.server_key}"],
        cli_args=["--tlsverify", f"--tlscacert={files.ca}", f"--tlscert={files.client_cert}",
                  f"--tlskey={files.client_key}"],
        tls=TLSConfig(client_cert=(str(files.client_cert), str(files.client_key)),
                      ca_cert=str(files.ca), verify=True),
    ) as engine:
        yield engine


def test_a_session_runs_on_an_engine_reached_over_tls(
    tls_engine: Engine, tls_files: TlsFiles, hub_factory: HubFactory,
) -> None:
    # a CA bundle in the environment must not replace the engine's CA (requests prefers it)
    hub = hub_factory("--provider", "docker", "--browsers", "chrome", "--docker-hosts",
                      tls_engine.url, "--docker-tls-verify", "--docker-tls-ca",
                      str(tls_files.ca), "--docker-tls-cert", str(tls_files.client_cert),
                      "--docker-tls-key", str(tls_files.client_key),
                      "--session-request-timeout", "120",
                      env={"REQUESTS_CA_BUNDLE": certifi.where()})
    driver = webdriver.Remote(hub.url, options=options_for("chrome"))
    try:
        running = [c.labels.get("tggrid.session") for c in containers_of(tls_engine.client, hub)]
        driver.get(PAGE)
        title = driver.title
    finally:
        driver.quit()
    wait_until(lambda: not containers_of(tls_engine.client, hub), "the container to go")
    health = hub.request("GET", "/api/health")[1]

    assert title == "TGGrid"
    assert len(running) == 1
    assert health["details"]["docker"]["status"] == "up"


def test_an_engine_that_refuses_the_hub_is_down_in_health_and_sessions_wait_for_it(
    tls_engine: Engine, tls_files: TlsFiles, hub_factory: HubFactory,
) -> None:
    # TLS verified against the CA, but no client certificate: the engine ends the handshake.
    # The node is down, not gone, so a request queues for it until the queue's timeout.
    hub = hub_factory("--provider", "docker", "--browsers", "chrome", "--docker-hosts",
                      tls_engine.url, "--docker-tls-verify", "--docker-tls-ca",
                      str(tls_files.ca), "--health-check-interval", "1",
                      "--session-request-timeout", "5")
    wait_until(lambda: hub.request("GET", "/api/health")[0] == 503, "the engine to be down")
    code, health = hub.request("GET", "/api/health")
    with pytest.raises(SessionNotCreatedException) as refused:
        webdriver.Remote(hub.url, options=options_for("chrome"))

    engines = health["details"]["docker"]["engines"]
    assert code == 503
    assert health["details"]["docker"]["status"] == "down"
    assert [e["status"] for e in engines] == ["down"]
    assert "failed the TLS handshake" in engines[0]["message"]
    assert "bad certificate" in engines[0]["message"]
    assert "timed out after 5 s in the queue" in refused.value.msg
    assert "is DOWN" in refused.value.msg and "TLS handshake" in refused.value.msg
    assert not containers_of(tls_engine.client, hub)
