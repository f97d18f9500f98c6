#!/bin/bash
# Start the display stack, then run the WebDriver given as arguments (the image's CMD).
#
# Xvfb, a window manager, x11vnc (ENABLE_VNC) and ffmpeg (ENABLE_RECORDING) run beside the
# driver. On SIGTERM (docker stop) ffmpeg is stopped first with SIGINT and waited for, so the
# recording gets its trailer; then everything else is stopped in reverse order. The recording
# is a fragmented MP4, so a container killed outright still leaves a video up to about a second
# before. With RECORDING_PORT set (Kubernetes Pods, which share no volume with the hub) the
# video is served over HTTP there (recording-server.sh), and on SIGTERM the container waits up to
# RECORDING_LINGER seconds for the hub to fetch it before it ends.
set -u

SCREEN_WIDTH="${SCREEN_WIDTH:-1280}"
SCREEN_HEIGHT="${SCREEN_HEIGHT:-720}"
SCREEN_DEPTH="${SCREEN_DEPTH:-24}"
VIDEO_FRAME_RATE="${VIDEO_FRAME_RATE:-12}"
VIDEO_NAME="$(basename -- "${VIDEO_NAME:-video.mp4}")"
RECORDINGS_DIR="${RECORDINGS_DIR:-/recordings}"
export DISPLAY="${DISPLAY:-:99}"

xvfb_pid="" wm_pid="" vnc_pid="" ffmpeg_pid="" driver_pid="" forward_pids="" server_pid=""

log() { echo "tggrid-entrypoint: $*" >&2; }

enabled() {
    case "${1,,}" in 1 | true | yes | on) return 0 ;; *) return 1 ;; esac
}

# Send a signal to one child and wait until it has exited.
stop() {
    local pid="$1" sig="$2"
    [ -n "$pid" ] || return 0
    kill "-$sig" "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    return 0
}

shutdown() {
    trap - TERM INT
    if [ -n "$ffmpeg_pid" ]; then
        log "recording.stopping file=$RECORDINGS_DIR/$VIDEO_NAME"
        stop "$ffmpeg_pid" INT
        log "recording.stopped file=$RECORDINGS_DIR/$VIDEO_NAME"
    fi
    stop "$driver_pid" TERM
    for pid in $forward_pids; do stop "$pid" TERM; done
    stop "$vnc_pid" TERM
    stop "$wm_pid" TERM
    stop "$xvfb_pid" TERM
    if [ -n "$server_pid" ]; then
        for _ in $(seq "$(( ${RECORDING_LINGER:-8} * 10 ))"); do
            [ -e /tmp/tggrid-recording-fetched ] && break
            sleep 0.1
        done
        stop "$server_pid" TERM
    fi
}

on_signal() {
    log "signal.received stopping"
    shutdown
    exit 143
}
trap on_signal TERM INT

if [ "$#" -eq 0 ]; then
    log "no driver command given"
    exit 2
fi

display_number="${DISPLAY#:}"
display_number="${display_number%%.*}"
rm -f "/tmp/.X${display_number}-lock" "/tmp/.X11-unix/X${display_number}"
Xvfb "$DISPLAY" -screen 0 "${SCREEN_WIDTH}x${SCREEN_HEIGHT}x${SCREEN_DEPTH}" -nolisten tcp -dpi 96 &
xvfb_pid=$!
for _ in $(seq 100); do
    [ -S "/tmp/.X11-unix/X${display_number}" ] && break
    kill -0 "$xvfb_pid" 2>/dev/null || { log "Xvfb exited"; exit 1; }
    sleep 0.1
done
[ -S "/tmp/.X11-unix/X${display_number}" ] || { log "Xvfb did not start"; shutdown; exit 1; }
log "display.ready display=$DISPLAY size=${SCREEN_WIDTH}x${SCREEN_HEIGHT}x${SCREEN_DEPTH}"

openbox --sm-disable >/dev/null 2>&1 &
wm_pid=$!

if enabled "${ENABLE_VNC:-0}"; then
    x11vnc -display "$DISPLAY" -rfbport 5900 -nopw -forever -shared -quiet \
        -noxdamage >/dev/null 2>&1 &
    vnc_pid=$!
    log "vnc.started port=5900"
fi

# FORWARD_PORTS="9229:9222 ...": serve a loopback-only port (Chromium's DevTools) on every
# interface, so the engine can publish it.
for pair in ${FORWARD_PORTS:-}; do
    socat "TCP-LISTEN:${pair%%:*},fork,reuseaddr" "TCP:127.0.0.1:${pair#*:}" &
    forward_pids="$forward_pids $!"
    log "forward.started port=${pair%%:*} to=127.0.0.1:${pair#*:}"
done

if enabled "${ENABLE_RECORDING:-0}"; then
    mkdir -p "$RECORDINGS_DIR"
    # Even dimensions for yuv420p; -nostdin because it is stopped with SIGINT. Unchanged
    # frames dropped before encoding (one a second kept), fragments of a second flushed as
    # written (hub/media/remux.py makes the served MP4 from them).
    ffmpeg -nostdin -hide_banner -loglevel warning -y \
        -f x11grab -video_size "${SCREEN_WIDTH}x${SCREEN_HEIGHT}" \
        -framerate "$VIDEO_FRAME_RATE" -draw_mouse 0 -i "$DISPLAY" \
        -vf "mpdecimate=max=${VIDEO_FRAME_RATE},pad=ceil(iw/2)*2:ceil(ih/2)*2" -fps_mode vfr \
        -c:v libx264 -preset ultrafast -tune zerolatency -pix_fmt yuv420p \
        -g "$((VIDEO_FRAME_RATE * 5))" \
        -movflags empty_moov+default_base_moof -frag_duration 1000000 -flush_packets 1 \
        -f mp4 "$RECORDINGS_DIR/$VIDEO_NAME" &
    ffmpeg_pid=$!
    echo "$ffmpeg_pid" >/tmp/tggrid-ffmpeg.pid
    log "recording.started file=$RECORDINGS_DIR/$VIDEO_NAME fps=$VIDEO_FRAME_RATE"
    if [ -n "${RECORDING_PORT:-}" ]; then
        socat "TCP-LISTEN:$RECORDING_PORT,fork,reuseaddr" EXEC:/opt/tggrid/recording-server.sh &
        server_pid=$!
        log "recording.served port=$RECORDING_PORT"
    fi
fi

"$@" &
driver_pid=$!
log "driver.started pid=$driver_pid command=$1"

wait "$driver_pid"
code=$?
driver_pid=""
log "driver.exited code=$code"
shutdown
exit "$code"
