import pytest

from hub.media.vnc import read_banner, start_vnc


@pytest.fixture
async def vnc(display, hub_id, tmp_path):
    server = await start_vnc(display, hub_id=hub_id, tag=f"{hub_id}-vnc", log_dir=tmp_path)
    yield server
    await server.stop()


async def test_x11vnc_speaks_rfb_on_loopback_only(vnc):
    assert vnc.address.startswith("127.0.0.1:")
    assert (await read_banner(vnc.port)).startswith(b"RFB 003.00")
    listening = {c.laddr.ip for c in __import__("psutil").net_connections("tcp")
                 if c.laddr and c.laddr.port == vnc.port and c.status == "LISTEN"}
    assert listening == {"127.0.0.1"}


async def test_stopping_the_server_frees_its_port(vnc):
    await vnc.stop()
    assert vnc.process.returncode is not None
    with pytest.raises(OSError):
        await read_banner(vnc.port)
