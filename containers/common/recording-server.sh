#!/bin/bash
# Answer one HTTP request on stdin/stdout (socat runs one per connection on RECORDING_PORT):
# the recording, for nodes that cannot copy files out of the browser's container (a Kubernetes
# hub reaches the Pod over the network only, and the Pod shares no volume with it).
#
#   GET /video.mp4   stop ffmpeg (SIGINT: it writes its last fragment), then send the file
#
# Anything else is a 404. Once the file is sent, the entrypoint's shutdown stops waiting for it.
set -u

RECORDINGS_DIR="${RECORDINGS_DIR:-/recordings}"
VIDEO_NAME="$(basename -- "${VIDEO_NAME:-video.mp4}")"
PID_FILE=/tmp/tggrid-ffmpeg.pid
FETCHED=/tmp/tggrid-recording-fetched

reply() {  # status, then the rest of the head's lines
    printf 'HTTP/1.1 %s\r\nConnection: close\r\n' "$1"
    shift
    for header in "$@"; do printf '%s\r\n' "$header"; done
    printf '\r\n'
}

running() {  # a live (not zombie) process
    local pid="$1" _pid _comm state
    read -r _pid _comm state _ 2>/dev/null <"/proc/$pid/stat" || return 1
    [ "$state" != Z ]
}

IFS=' ' read -r -t 10 method target _ || exit 0
while IFS= read -r -t 10 line; do
    [ -z "${line%$'\r'}" ] && break
done

if [ "$method" != GET ] || [ "$target" != "/$VIDEO_NAME" ]; then
    reply "404 Not Found" "Content-Length: 0"
    exit 0
fi

if [ -s "$PID_FILE" ]; then
    pid="$(cat "$PID_FILE")"
    if running "$pid"; then
        kill -INT "$pid" 2>/dev/null
        for _ in $(seq 100); do
            running "$pid" || break
            sleep 0.1
        done
    fi
fi

file="$RECORDINGS_DIR/$VIDEO_NAME"
if [ ! -f "$file" ]; then
    reply "404 Not Found" "Content-Length: 0"
    exit 0
fi
size="$(stat -c %s -- "$file")"
reply "200 OK" "Content-Type: video/mp4" "Content-Length: $size"
head -c "$size" -- "$file" && touch "$FETCHED"
