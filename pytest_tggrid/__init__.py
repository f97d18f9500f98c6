"""pytest --tggrid: run browser tests on a TGGrid hub (see issue 8)."""
