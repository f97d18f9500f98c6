#!/bin/bash
# HEALTHCHECK: healthy while the WebDriver on 4444 answers GET /status with HTTP 200.
# geckodriver says "ready": false while its one session runs, so only the status code counts.
exec 3<>/dev/tcp/127.0.0.1/4444 || exit 1
printf 'GET /status HTTP/1.1\r\nHost: 127.0.0.1:4444\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 3 status_line <&3 || exit 1
case "$status_line" in
    "HTTP/1."?" 200"*) exit 0 ;;
    *) exit 1 ;;
esac
