"""Sign-in tickets: readable only by hubs with the same key, for five minutes, in one browser,
and only while the password stays the same."""

from __future__ import annotations

import pytest

from hub.auth.tickets import BadTicket, Tickets

KEY = b"k" * 32


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_another_hub_with_the_key_reads_the_ticket() -> None:
    text = Tickets(KEY).issue(7, "ann@example.com", "$argon2id$hash", "/ui/recordings", "csrf")
    assert "ann" not in text and "argon2" not in text and "recordings" not in text
    ticket = Tickets(KEY).read(text)
    assert (ticket.user_id, ticket.email, ticket.next_url) == (7, "ann@example.com",
                                                               "/ui/recordings")
    assert Tickets(KEY).same_password(ticket, "$argon2id$hash")
    assert not Tickets(KEY).same_password(ticket, "$argon2id$new hash")
    assert Tickets(KEY).same_browser(ticket, "csrf")
    assert not Tickets(KEY).same_browser(ticket, "other")
    assert not Tickets(KEY).same_browser(ticket, "")


@pytest.mark.parametrize("text", ["", "junk", "gAAAAA" + "A" * 100])
def test_junk_is_refused(text: str) -> None:
    with pytest.raises(BadTicket, match="not valid"):
        Tickets(KEY).read(text)


def test_a_ticket_from_another_key_or_tampered_is_refused() -> None:
    text = Tickets(KEY).issue(7, "ann@example.com", "hash", "/ui/sessions", "csrf")
    with pytest.raises(BadTicket, match="not valid"):
        Tickets(b"x" * 32).read(text)
    tampered = text[:30] + ("A" if text[30] != "A" else "B") + text[31:]
    with pytest.raises(BadTicket, match="not valid"):
        Tickets(KEY).read(tampered)


def test_a_ticket_expires_after_five_minutes() -> None:
    clock = Clock()
    tickets = Tickets(KEY, clock=clock)
    text = tickets.issue(7, "ann@example.com", "hash", "/ui/sessions", "csrf")
    clock.now += 299
    assert tickets.read(text).user_id == 7
    clock.now += 1
    with pytest.raises(BadTicket, match="took too long") as raised:
        tickets.read(text)
    assert raised.value.error_code == "sign_in_expired"
