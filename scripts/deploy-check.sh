#!/bin/bash
# Deploy a tag, check the hub's /api/health, and roll back to the previous tag when the check
# fails. Used by .github/workflows/deploy.yml, .gitlab-ci.yml and the Jenkinsfile.
#
#   scripts/deploy-check.sh HEALTH_URL NEW_TAG PREVIOUS_TAG DEPLOY_COMMAND
#
# DEPLOY_COMMAND is run by bash with TAG set in its environment: first with TAG=NEW_TAG, then,
# if HEALTH_URL/api/health does not answer 200 ("healthy" or "degraded") within
# HEALTH_ATTEMPTS tries HEALTH_INTERVAL seconds apart, with TAG=PREVIOUS_TAG (skipped when
# PREVIOUS_TAG is empty or the same). The tag reaches the command as data, never as code.
#
# Exit status: 0 the new tag is healthy; 1 it was not and the previous tag was put back and is
# healthy; 2 the rollback is unhealthy too (or there was nothing to roll back to); 3 the
# rollback's deploy command failed; 64 bad arguments. A failing deploy of the new tag rolls back
# like a failing health check.
set -uo pipefail

HEALTH_ATTEMPTS="${HEALTH_ATTEMPTS:-30}"
HEALTH_INTERVAL="${HEALTH_INTERVAL:-5}"

if [ "$#" -ne 4 ] || [ -z "$1" ] || [ -z "$2" ] || [ -z "$4" ]; then
    echo "usage: $0 HEALTH_URL NEW_TAG PREVIOUS_TAG DEPLOY_COMMAND" >&2
    exit 64
fi
url="${1%/}/api/health" new_tag="$2" previous_tag="$3" command="$4"

log() { echo "deploy-check: $*" >&2; }

deploy() {
    log "deploy.start tag=$1"
    if ! TAG="$1" bash -c "$command"; then
        log "deploy.failed tag=$1"
        return 1
    fi
}

healthy() {
    local attempt
    for attempt in $(seq "$HEALTH_ATTEMPTS"); do
        if curl -fsS --max-time 10 "$url" >/dev/null; then
            log "health.ok url=$url attempt=$attempt"
            return 0
        fi
        [ "$attempt" -lt "$HEALTH_ATTEMPTS" ] && sleep "$HEALTH_INTERVAL"
    done
    log "health.failed url=$url attempts=$HEALTH_ATTEMPTS"
    return 1
}

if deploy "$new_tag" && healthy; then
    log "deploy.done tag=$new_tag"
    exit 0
fi
if [ -z "$previous_tag" ] || [ "$previous_tag" = "$new_tag" ]; then
    log "rollback.impossible reason=no-previous-tag"
    exit 2
fi
log "rollback.start from=$new_tag to=$previous_tag"
deploy "$previous_tag" || exit 3
if healthy; then
    log "rollback.done tag=$previous_tag"
    exit 1
fi
log "rollback.unhealthy tag=$previous_tag"
exit 2
