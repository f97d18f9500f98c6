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

import dataclasses
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
# docs/deploy.md, "systemd": what root runs on the server once the checkout and its .venv exist,
# first forgetting to set the admin's password in the environment file.
INSTALL = """set -e
cd /opt/tggrid
useradd --system --home-dir /var/lib/tggrid --shell /usr/sbin/nologin tggrid
install -D -m 0600 deploy/systemd/tggrid.env /etc/tggrid/tggrid.env
install -m 0644 deploy/systemd/tggrid.service /etc/systemd/system/tggrid.service
systemctl daemon-reload
systemctl enable --now tggrid
"""
SET_PASSWORD = (f"sed -i 's/^TGGRID_ADMIN_PASSWORD=.*/TGGRID_ADMIN_PASSWORD={PASSWORD}/' "
                "/etc/tggrid/tggrid.env && systemctl restart tggrid")


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


def wait_settled(machine: Container, timeout: float = 60) -> dict[str, str]:
    """The unit's state once its start is over: the hub answering, failed, or waiting to
    restart (Type=simple: "running" from the fork on, so that alone says nothing)."""
    deadline = time.monotonic() + timeout
    while True:
        state = unit(machine, "ActiveState", "SubState", "Result", "ExecMainStatus",
                     "NRestarts")
        if state["SubState"] in ("failed", "auto-restart") or (
                state["SubState"] == "running"
                and machine.exec_run(["bash", "-c", HEALTH]).exit_code == 0):
            return state
        if time.monotonic() > deadline:
            pytest.fail(f"the unit did not settle: {state}\n{journal(machine)}")
        time.sleep(0.3)


def children(machine: Container) -> list[str]:
    """The hub's processes other than itself (drivers, browsers, Xvfb, ffmpeg)."""
    main_pid = unit(machine, "MainPID")["MainPID"]
    return sh(machine, f"pgrep -u tggrid | grep -vx {main_pid} || true", "pgrep").split()


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


@dataclasses.dataclass
class Server:
    machine: Container
    unedited: dict[str, str]  # the unit's state after a start with the shipped env file
    unedited_log: str


@pytest.fixture(scope="module")
def server(systemd_image: str, docker_client: docker.DockerClient) -> Iterator[Server]:
    """A booted server with the unit installed and started as docs/deploy.md says: first with
    the env file as shipped (no admin password), then with the password set."""
    mounts = [Mount("/opt/tggrid/deploy", str(CHECKOUT / "deploy"), type="bind", read_only=True),
              Mount("/mnt/client", str(CHECKOUT / "tests/support"), type="bind", read_only=True)]
    machine = docker_client.containers.create(systemd_image, mounts=mounts,
                                              labels={TEST_LABEL: "1"},
                                              **systemd_machine.RUN_OPTIONS)
    try:
        machine.start()
        systemd_machine.wait_booted(machine)
        sh(machine, INSTALL, "the install of docs/deploy.md")
        unedited = wait_settled(machine)
        unedited_log = journal(machine)
        sh(machine, SET_PASSWORD, "setting the password")
        wait_healthy(machine)
        yield Server(machine, unedited, unedited_log)
    finally:
        machine.remove(force=True, v=True)


def test_the_shipped_env_file_starts_no_hub_until_the_password_is_set(server: Server) -> None:
    """No admin with a password everyone knows: the hub stops with a clear reason, and a
    configuration error (exit status 2) is not restarted every 5 s (RestartPreventExitStatus)."""
    assert server.unedited == {"ActiveState": "failed", "SubState": "failed",
                               "Result": "exit-code", "ExecMainStatus": "2", "NRestarts": "0"}
    assert ("tggrid: configuration error: admin_email is set but neither "
            "TGGRID_ADMIN_PASSWORD nor TGGRID_ADMIN_PASSWORD_FILE") in server.unedited_log


def test_the_hub_runs_as_tggrid_with_its_data_in_var_lib(server: Server) -> None:
    machine = server.machine
    main_pid = unit(machine, "MainPID")["MainPID"]
    assert sh(machine, f"ps -o user= -p {main_pid}", "ps") == "tggrid"
    owners = sh(machine, "stat -c '%U %a %n' /var/lib/tggrid /var/lib/tggrid/tggrid.db "
                         "/var/lib/tggrid/secret.key /etc/tggrid/tggrid.env", "stat")
    assert owners.splitlines() == [
        "tggrid 750 /var/lib/tggrid", "tggrid 600 /var/lib/tggrid/tggrid.db",
        "tggrid 600 /var/lib/tggrid/secret.key", "root 600 /etc/tggrid/tggrid.env"]
    # LimitNOFILE=65536 (else systemd's default soft limit, 1024); without CAP_SYS_RESOURCE
    # (dropped for the container) PID 1 cannot raise it past the container's own hard limit.
    most = int(sh(machine, "grep 'open files' /proc/1/limits", "limits").split()[4])
    limits = sh(machine, f"grep 'open files' /proc/{main_pid}/limits", "limits").split()
    assert limits[3:5] == [str(min(65536, most))] * 2, limits
    environ = sh(machine, f"tr '\\0' '\\n' < /proc/{main_pid}/environ", "environ")
    assert "TGGRID_ADMIN_EMAIL=admin@example.org" in environ.splitlines()  # the env file's
    health = json.loads(sh(machine, HEALTH, "/api/health"))
    assert health["status"] == "healthy", health
    signed_in = client(machine, "signin")
    assert (signed_in["anonymousStatus"], signed_in["status"]) == (401, 200), signed_in
    assert signed_in["value"]["ready"] is True
    assert (signed_in["me"]["email"], signed_in["me"]["role"]) == (ADMIN, "admin")


def test_browsers_work_inside_the_units_sandbox(server: Server) -> None:
    """Chromium headed on the hub's Xvfb screen with live view (x11vnc) and a recording, and
    Firefox: what PrivateTmp, ProtectSystem=strict, PrivateDevices and the empty capability
    set leave them is enough."""
    recorded = client(server.machine, "video")
    assert (recorded["title"], recorded["vncBanner"]) == ("unit", "RFB 003.008\n"), recorded
    assert played(recorded) >= 1.5
    assert client(server.machine, "firefox") == {"title": "unit", "browserName": "firefox"}
    # The admin's password stops at the hub: none of its children (driver, browser, Xvfb,
    # ffmpeg) has it in its environment. (The session stays open; the next restart ends it.)
    client(server.machine, "open")
    started = children(server.machine)
    assert len(started) >= 3, started
    leaked = sh(server.machine, "grep -ls TGGRID_ADMIN_PASSWORD " + " ".join(
        f"/proc/{pid}/environ" for pid in started) + " || true", "grep")
    assert leaked == ""
    # Chromium keeps its own sandbox if the machine lets an unprivileged user make a user
    # namespace: the unit takes nothing of that away (no RestrictNamespaces).
    machine_allows = server.machine.exec_run(
        ["setpriv", "--reuid=tggrid", "--regid=tggrid", "--clear-groups",
         "unshare", "--user", "--map-root-user", "true"]).exit_code == 0
    browsers = sh(server.machine, "pgrep -u tggrid -a chromium", "pgrep chromium")
    assert ("--no-sandbox" not in browsers) == machine_allows, browsers[:2000]


def test_a_restart_without_the_password_keeps_the_account(server: Server) -> None:
    """The password deleted from the env file after the first start, as the file says: the
    restarted hub has the same database and secret key, so the account and a sign-in made
    before the restart still work."""
    machine = server.machine
    token = client(machine, "signin")["token"]
    me = f"curl -s -o /dev/null -w '%{{http_code}}' -H 'Authorization: Bearer {token}' " \
         "http://127.0.0.1:4444/api/auth/me"
    sh(machine, "sed -i '/^TGGRID_ADMIN_PASSWORD=/d' /etc/tggrid/tggrid.env && "
                "systemctl restart tggrid", "systemctl restart")
    wait_healthy(machine)
    assert sh(machine, me, "/api/auth/me") == "200"
    assert client(machine, "signin")["me"]["email"] == ADMIN
    log = sh(machine, "journalctl -u tggrid --no-pager", "journalctl")
    assert log.count("auth.bootstrap_admin.created") == 1, log[-3000:]
    assert "auth.bootstrap_admin.exists" in log


def test_a_hub_killed_with_sigkill_comes_back_by_itself(server: Server) -> None:
    """Restart=on-failure; what the killed hub had started (a session's driver, browser,
    recorder) is killed with it, not left running beside the new hub."""
    machine = server.machine
    client(machine, "open")
    before = unit(machine, "MainPID", "NRestarts")
    orphans = children(machine)
    assert len(orphans) >= 3, orphans
    sh(machine, f"kill -KILL {before['MainPID']}", "kill -KILL")
    deadline = time.monotonic() + 60  # RestartSec=5s, then the hub's own start
    while (now := unit(machine, "MainPID", "NRestarts", "ActiveState"))["NRestarts"] == \
            before["NRestarts"] or now["ActiveState"] != "active":
        if time.monotonic() > deadline:
            pytest.fail(f"not restarted: {now}\n{journal(machine)}")
        time.sleep(0.5)
    assert int(now["NRestarts"]) == int(before["NRestarts"]) + 1
    assert now["MainPID"] != before["MainPID"]
    wait_healthy(machine)
    assert not set(orphans) & set(children(machine))
    assert client(machine, "signin")["me"]["email"] == ADMIN


def test_stop_ends_open_sessions_with_complete_videos(server: Server) -> None:
    """`systemctl stop` with a recorded session still open: the hub ends it (SIGTERM to the
    hub alone, KillMode=mixed), finishes its video and exits by itself (Result "timeout" had it
    needed the SIGKILL after TimeoutStopSec); the video is there after the next start."""
    machine = server.machine
    session = client(machine, "open")["session"]
    sh(machine, "systemctl stop tggrid", "systemctl stop")
    stopped = unit(machine, "ActiveState", "Result", "ExecMainStatus")
    assert stopped == {"ActiveState": "inactive", "Result": "success", "ExecMainStatus": "0"}
    log = sh(machine, "journalctl -u tggrid --no-pager", "journalctl")
    assert "timed out" not in log and "the hub shut down" in log, log[-3000:]
    sh(machine, "systemctl start tggrid", "systemctl start")
    wait_healthy(machine)
    assert played(client(machine, "fetch", session)) >= 1.0
