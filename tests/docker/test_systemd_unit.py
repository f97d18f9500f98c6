"""deploy/systemd/tggrid.service under a real systemd (252, Debian 12, PID 1 of a container),
installed with the commands of docs/deploy.md, its hardening as shipped.

What a user of the service notices: the hub answers as the user tggrid with its data in
/var/lib/tggrid, the first admin of the environment file signs in, browsers (Chromium on an
Xvfb screen with live view and video, Firefox) work inside the sandbox, a restart keeps the
data, a hub killed with SIGKILL comes back by itself, and `systemctl stop` ends the open
sessions with complete videos well within TimeoutStopSec. The hub listens on the container's
loopback (the shipped env file's TGGRID_HOST) and the container has no network: every request
comes from inside it (`docker exec`), as from a shell on the server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container
from docker.types import Mount

from tests.docker.conftest import TEST_LABEL
from tests.support import standalone as standalone_image
from tests.support import systemd_machine

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]

CHECKOUT = Path(__file__).resolve().parents[2]
ADMIN = "admin@example.org"  # as in deploy/systemd/tggrid.env
PASSWORD = "systemd-unit-test-passphrase"
CLIENT = "/mnt/client/systemd_client.py"
PYTHON = "/opt/tggrid/.venv/bin/python"
HEALTH = "curl -fsS http://127.0.0.1:4444/api/health"
# docs/deploy.md, "systemd": what root runs on the server once the checkout and its .venv exist.
INSTALL = f"""set -e
cd /opt/tggrid
useradd --system --home-dir /var/lib/tggrid --shell /usr/sbin/nologin tggrid
install -D -m 0600 deploy/systemd/tggrid.env /etc/tggrid/tggrid.env
sed -i 's/^TGGRID_ADMIN_PASSWORD=.*/TGGRID_ADMIN_PASSWORD={PASSWORD}/' /etc/tggrid/tggrid.env
install -m 0644 deploy/systemd/tggrid.service /etc/systemd/system/tggrid.service
systemctl daemon-reload
systemctl enable --now tggrid
"""


def sh(machine: Container, command: str, what: str) -> str:
    code, output = machine.exec_run(["bash", "-c", command])
    text = output.decode(errors="replace")
    assert code == 0, f"{what} failed ({code}):\n{text[-3000:]}\n{journal(machine)}"
    return text.strip()


def journal(machine: Container, lines: int = 60) -> str:
    output = machine.exec_run(["journalctl", "-u", "tggrid", "--no-pager", "-n", str(lines)])
    return "journal:\n" + output.output.decode(errors="replace")


def client(machine: Container, *args: str) -> dict:
    """tests/support/systemd_client.py run on the server with the hub's own venv."""
    text = sh(machine, " ".join([PYTHON, CLIENT, ADMIN, PASSWORD, *args]), f"client {args}")
    return dict(json.loads(text.splitlines()[-1]))


def unit(machine: Container, *properties: str) -> dict[str, str]:
    text = sh(machine, "systemctl show tggrid " + " ".join(f"-p {p}" for p in properties),
              "systemctl show")
    return dict(line.split("=", 1) for line in text.splitlines())


def wait_healthy(machine: Container, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while machine.exec_run(["bash", "-c", HEALTH]).exit_code != 0:
        if time.monotonic() > deadline:
            pytest.fail(f"the hub never answered /api/health\n{journal(machine)}")
        time.sleep(0.5)


def played(result: dict) -> float:
    """The video's duration, once it is a ready recording ffprobe reads as H.264."""
    assert result["videoStatus"] == 200 and result["recording"][0]["status"] == "ready", result
    probed = json.loads(result["ffprobe"])
    assert [s["codec_name"] for s in probed["streams"]] == ["h264"], result
    return float(probed["format"]["duration"])


@pytest.fixture(scope="session")
def systemd_image(docker_client: docker.DockerClient) -> str:
    """tggrid/standalone plus systemd (each built once, then kept like the other images)."""
    return systemd_machine.build(docker_client, standalone_image.build(docker_client))


@pytest.fixture(scope="module")
def server(systemd_image: str, docker_client: docker.DockerClient) -> Iterator[Container]:
    """A booted server with the unit installed and started as docs/deploy.md says."""
    mounts = [Mount("/opt/tggrid/deploy", str(CHECKOUT / "deploy"), type="bind", read_only=True),
              Mount("/mnt/client", str(CHECKOUT / "tests/support"), type="bind", read_only=True)]
    machine = docker_client.containers.create(systemd_image, mounts=mounts,
                                              labels={TEST_LABEL: "1"},
                                              **systemd_machine.RUN_OPTIONS)
    try:
        machine.start()
        systemd_machine.wait_booted(machine)
        sh(machine, INSTALL, "the install of docs/deploy.md")
        wait_healthy(machine)
        yield machine
    finally:
        machine.remove(force=True, v=True)


def test_the_hub_runs_as_tggrid_with_its_data_in_var_lib(server: Container) -> None:
    main_pid = unit(server, "MainPID")["MainPID"]
    assert sh(server, f"ps -o user= -p {main_pid}", "ps") == "tggrid"
    owners = sh(server, "stat -c '%U %a %n' /var/lib/tggrid /var/lib/tggrid/tggrid.db "
                        "/var/lib/tggrid/secret.key /etc/tggrid/tggrid.env", "stat")
    assert owners.splitlines() == [
        "tggrid 750 /var/lib/tggrid", "tggrid 600 /var/lib/tggrid/tggrid.db",
        "tggrid 600 /var/lib/tggrid/secret.key", "root 600 /etc/tggrid/tggrid.env"]
    # LimitNOFILE=65536 (else systemd's default soft limit, 1024); without CAP_SYS_RESOURCE
    # (dropped for the container) PID 1 cannot raise it past the container's own hard limit.
    machine = int(sh(server, "grep 'open files' /proc/1/limits", "limits").split()[4])
    limits = sh(server, f"grep 'open files' /proc/{main_pid}/limits", "limits").split()
    assert limits[3:5] == [str(min(65536, machine))] * 2, limits
    environ = sh(server, f"tr '\\0' '\\n' < /proc/{main_pid}/environ", "environ")
    assert "TGGRID_ADMIN_EMAIL=admin@example.org" in environ.splitlines()  # the env file's
    health = json.loads(sh(server, HEALTH, "/api/health"))
    assert health["status"] == "healthy", health
    signed_in = client(server, "signin")
    assert (signed_in["anonymousStatus"], signed_in["status"]) == (401, 200), signed_in
    assert signed_in["value"]["ready"] is True
    assert (signed_in["me"]["email"], signed_in["me"]["role"]) == (ADMIN, "admin")


def test_browsers_work_inside_the_units_sandbox(server: Container) -> None:
    """Chromium headed on the hub's Xvfb screen with live view (x11vnc) and a recording, and
    Firefox: what PrivateTmp, ProtectSystem=strict, PrivateDevices and the empty capability
    set leave them is enough."""
    recorded = client(server, "video")
    assert (recorded["title"], recorded["vncBanner"]) == ("unit", "RFB 003.008\n"), recorded
    assert played(recorded) >= 1.5
    assert client(server, "firefox") == {"title": "unit", "browserName": "firefox"}


def test_a_restart_keeps_the_account_and_its_sign_in(server: Container) -> None:
    token = client(server, "signin")["token"]
    me = f"curl -s -o /dev/null -w '%{{http_code}}' -H 'Authorization: Bearer {token}' " \
         "http://127.0.0.1:4444/api/auth/me"
    sh(server, "systemctl restart tggrid", "systemctl restart")
    wait_healthy(server)
    # The token of a sign-in before the restart still works: same database, same secret key.
    assert sh(server, me, "/api/auth/me") == "200"
    log = sh(server, "journalctl -u tggrid --no-pager", "journalctl")
    assert log.count("auth.bootstrap_admin.created") == 1, log[-3000:]
    assert "auth.bootstrap_admin.exists" in log


def test_a_hub_killed_with_sigkill_comes_back_by_itself(server: Container) -> None:
    before = unit(server, "MainPID", "NRestarts")
    sh(server, f"kill -KILL {before['MainPID']}", "kill -KILL")
    deadline = time.monotonic() + 60  # RestartSec=5s, then the hub's own start
    while (now := unit(server, "MainPID", "NRestarts", "ActiveState"))["NRestarts"] == \
            before["NRestarts"] or now["ActiveState"] != "active":
        if time.monotonic() > deadline:
            pytest.fail(f"not restarted: {now}\n{journal(server)}")
        time.sleep(0.5)
    assert int(now["NRestarts"]) == int(before["NRestarts"]) + 1
    assert now["MainPID"] != before["MainPID"]
    wait_healthy(server)
    assert client(server, "signin")["me"]["email"] == ADMIN


def test_stop_ends_open_sessions_with_complete_videos(server: Container) -> None:
    """`systemctl stop` with a recorded session still open: the hub ends it (SIGTERM to the
    hub alone, KillMode=mixed), finishes its video and exits by itself (Result "timeout" had it
    needed the SIGKILL after TimeoutStopSec); the video is there after the next start."""
    session = client(server, "open")["session"]
    # The admin's password stops at the hub: none of its children (driver, browser, Xvfb,
    # ffmpeg) got it in their environment.
    main_pid = unit(server, "MainPID")["MainPID"]
    children = sh(server, f"pgrep -u tggrid | grep -vx {main_pid}", "pgrep").split()
    assert len(children) >= 3, children
    leaked = sh(server, "grep -ls TGGRID_ADMIN_PASSWORD " + " ".join(
        f"/proc/{pid}/environ" for pid in children) + " || true", "grep")
    assert leaked == ""
    sh(server, "systemctl stop tggrid", "systemctl stop")
    stopped = unit(server, "ActiveState", "Result", "ExecMainStatus")
    assert stopped == {"ActiveState": "inactive", "Result": "success", "ExecMainStatus": "0"}
    log = sh(server, "journalctl -u tggrid --no-pager", "journalctl")
    assert "timed out" not in log and "the hub shut down" in log, log[-3000:]
    sh(server, "systemctl start tggrid", "systemctl start")
    wait_healthy(server)
    assert played(client(server, "fetch", session)) >= 1.0
