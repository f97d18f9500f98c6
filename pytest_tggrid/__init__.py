"""pytest --tggrid: run browser tests on a TGGrid hub, through its sessions, artifacts and
xdist workers (the plugin is ``pytest_tggrid.plugin``)."""
