from hub.media.signing import LinkSigner

NOW = 1_700_000_000.0


def test_a_link_opens_its_own_session_until_it_expires():
    signer = LinkSigner(b"k" * 32)
    query = signer.query("s1", ttl=60, now=NOW)
    assert signer.verify("s1", query, now=NOW + 59)
    assert not signer.verify("s1", query, now=NOW + 61)
    assert not signer.verify("s2", query, now=NOW)


def test_tampering_or_another_secret_is_refused():
    signer = LinkSigner(b"k" * 32)
    query = signer.query("s1", ttl=60, now=NOW)
    longer = {**query, "exp": str(int(query["exp"]) + 3600)}
    assert not signer.verify("s1", longer, now=NOW)
    assert not LinkSigner(b"x" * 32).verify("s1", query, now=NOW)
    assert not signer.verify("s1", {}, now=NOW)
    assert not signer.verify("s1", {"sig": query["sig"], "exp": "soon"}, now=NOW)
