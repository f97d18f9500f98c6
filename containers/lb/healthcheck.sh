#!/bin/bash
# HEALTHCHECK: healthy while HAProxy answers on LB_BIND and a hub behind it says healthy.
host="${LB_BIND%:*}" port="${LB_BIND##*:}"
[ "$host" = "0.0.0.0" ] || [ -z "$host" ] && host=127.0.0.1
exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 3 status_line <&3 || exit 1
case "$status_line" in
    "HTTP/1."?" 200"*) exit 0 ;;
    *) exit 1 ;;
esac
