#!/bin/bash
# HEALTHCHECK of the hub and standalone images: healthy while GET /api/health answers HTTP 200
# ("healthy" or "degraded": sessions can start); 503 ("unhealthy": no node in rotation, or the
# hub takes no new sessions) and no answer are unhealthy. Asks on the loopback, so the hub must
# listen there too (TGGRID_HOST 0.0.0.0, the images' default, or 127.0.0.1).
port="${TGGRID_PORT:-4444}"
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$port" >&3
IFS= read -r -t 3 status_line <&3 || exit 1
case "$status_line" in
    "HTTP/1."?" 200"*) exit 0 ;;
    *) exit 1 ;;
esac
