from pathlib import Path

import pytest

from hub.media.naming import safe_stem, video_path


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("login test", "login_test"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\evil.mp4", "evil"),
        ("/absolute/path/video.mp4", "video"),
        ("....", ""),
        (".hidden", "hidden"),
        ("a/../../b", "b"),
        ("name\x00with\nnul", "name_with_nul"),
        ("ünïcödé", "n_c_d"),
    ],
)
def test_safe_stem_keeps_only_a_plain_last_component(given, expected):
    assert safe_stem(given) == expected


@pytest.mark.parametrize("name", ["../../outside", "/tmp/outside", "..", "sub/dir/x.mp4", ""])
def test_video_path_never_leaves_the_directory(tmp_path, name):
    path = video_path(tmp_path, "abc123", name)
    assert path.parent == tmp_path.resolve()
    assert path.suffix == ".mp4"


def test_video_path_defaults_to_the_session_id(tmp_path):
    assert video_path(tmp_path, "abc123", None).name == "abc123.mp4"


def test_existing_files_are_never_overwritten(tmp_path: Path):
    first = video_path(tmp_path, "session-one", "report")
    first.write_bytes(b"x")
    second = video_path(tmp_path, "session-two", "report")
    second.write_bytes(b"y")
    third = video_path(tmp_path, "session-two", "report")
    assert len({first, second, third}) == 3
    assert first.read_bytes() == b"x"
