"""TOTP codes: one step of drift either way, never the same step twice; backup codes."""

from __future__ import annotations

import pyotp

from hub.auth import totp

NOW = 1_700_000_000.0


def test_codes_within_one_step_either_way_are_accepted() -> None:
    secret = totp.new_secret()
    otp = pyotp.TOTP(secret)
    current = otp.timecode(NOW)
    for offset in (-30, 0, 30):
        assert totp.matching_step(secret, otp.at(NOW + offset), None, NOW) == current + offset // 30
    assert totp.matching_step(secret, otp.at(NOW + 60), None, NOW) is None
    assert totp.matching_step(secret, otp.at(NOW - 60), None, NOW) is None


def test_a_step_already_used_is_refused() -> None:
    secret = totp.new_secret()
    otp = pyotp.TOTP(secret)
    step = otp.timecode(NOW)
    assert totp.matching_step(secret, otp.at(NOW), step, NOW) is None
    assert totp.matching_step(secret, otp.at(NOW), step - 1, NOW) == step
    assert totp.matching_step(secret, otp.at(NOW - 30), step - 1, NOW) is None


def test_garbage_is_refused_and_spaces_are_forgiven() -> None:
    secret = totp.new_secret()
    code = pyotp.TOTP(secret).at(NOW)
    assert totp.matching_step(secret, f"{code[:3]} {code[3:]}", None, NOW) is not None
    assert totp.matching_step(secret, "abcdef", None, NOW) is None
    assert totp.matching_step(secret, "", None, NOW) is None


def test_provisioning_uri_and_qr_code() -> None:
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "ann@example.com")
    assert uri.startswith("otpauth://totp/TGGrid:ann%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert totp.qr_data_uri(uri).startswith("data:image/png;base64,")


def test_ten_distinct_backup_codes_that_survive_retyping() -> None:
    codes = totp.new_backup_codes()
    assert len(set(codes)) == 10
    for code in codes:
        assert len(code) == 11 and code[5] == "-"
        assert totp.normalize_backup_code(code.upper().replace("-", " ")) == code
