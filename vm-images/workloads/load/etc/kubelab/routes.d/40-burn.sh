# kubelab/load: GET /burn?ms=N keeps one CPU busy for N milliseconds (default 100), so a
# HorizontalPodAutoscaler has something to measure.
case "$REQUEST_PATH" in
/burn)
  ms=$(query_param ms) || ms=100
  case "$ms" in
  '' | *[!0-9]*) respond 400 text/plain "ms must be a whole number of milliseconds, got \"$ms\"" ;;
  esac
  [ "$ms" -gt 60000 ] && respond 400 text/plain "ms must be at most 60000, got $ms"
  end=$(($(uptime_centis) + (ms + 9) / 10))
  loops=0
  while [ "$(uptime_centis)" -lt "$end" ]; do
    i=0
    while [ $i -lt 2000 ]; do i=$((i + 1)); done
    loops=$((loops + 1))
  done
  respond 200 application/json "{\"burnedMs\":$ms,\"loops\":$loops,\"pod\":\"$(pod_name)\"}"
  ;;
esac
