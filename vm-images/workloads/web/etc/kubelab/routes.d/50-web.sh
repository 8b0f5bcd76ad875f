# kubelab/web: / answers the version, pod and colour; /healthz and /ready are for probes.
# WEB_BROKEN=1 fails both probes (kubelab/web:broken); READY_AFTER_SECONDS keeps /ready
# failing that long after the server started (kubelab/slow).
case "$REQUEST_PATH" in
/)
  respond 200 application/json "{\"version\":\"$WEB_VERSION\",\"pod\":\"$(pod_name)\",\"colour\":\"$WEB_COLOUR\"}"
  ;;
/healthz)
  [ "${WEB_BROKEN:-0}" = 1 ] && respond 500 text/plain 'broken: never healthy'
  respond 200 text/plain ok
  ;;
/ready)
  [ "${WEB_BROKEN:-0}" = 1 ] && respond 500 text/plain 'broken: never ready'
  waited=$(seconds_since_start)
  [ "$waited" -lt "${READY_AFTER_SECONDS:-0}" ] &&
    respond 503 text/plain "not ready yet: ready ${READY_AFTER_SECONDS}s after start, ${waited}s so far"
  respond 200 text/plain ready
  ;;
esac
