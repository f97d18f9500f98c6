#!/bin/bash
# Write HAProxy's configuration from the environment and run it in the foreground.
#   LB_BIND     address:port HAProxy listens on (default 127.0.0.1:4444)
#   LB_SERVERS  the hubs, space-separated address:port (default "127.0.0.1:4441 127.0.0.1:4442")
#   LB_BALANCE  roundrobin (default), leastconn, or first (every request to the first healthy
#               hub: for hubs that cannot serve each other's sessions)
# Every hub is health-checked on GET /api/health; one that fails twice leaves rotation until
# it passes twice. Websockets (CDP, BiDi, VNC) are tunnelled for up to an hour idle; a
# new-session request may wait in a hub's queue (session_request_timeout, 300 s).
set -euo pipefail

config="${LB_CONFIG:-/tmp/haproxy.cfg}"
case "$LB_BALANCE" in
    roundrobin | leastconn | first) ;;
    *) echo "tggrid-lb: LB_BALANCE must be roundrobin, leastconn or first" >&2; exit 2 ;;
esac

{
    cat <<CFG
global
    log stdout format raw local0 info
    maxconn 4096

defaults
    mode http
    log global
    option httplog
    option forwardfor
    timeout connect 5s
    timeout client 330s
    timeout server 330s
    timeout tunnel 1h
    timeout http-request 30s

frontend grid
    bind ${LB_BIND}
    default_backend hubs

backend hubs
    balance ${LB_BALANCE}
    option httpchk
    http-check send meth GET uri /api/health ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server inter 2s fall 2 rise 2
CFG
    number=0
    for server in $LB_SERVERS; do
        number=$((number + 1))
        echo "    server hub${number} ${server} check"
    done
} > "$config"

haproxy -c -q -f "$config"
echo "tggrid-lb: listen=$LB_BIND balance=$LB_BALANCE servers=$LB_SERVERS" >&2
exec haproxy -W -db -f "$config"
