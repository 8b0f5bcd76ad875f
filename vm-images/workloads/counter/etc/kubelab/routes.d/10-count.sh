# kubelab/counter: / answers the current count (the web routes still serve the probes).
case "$REQUEST_PATH" in
/)
  respond 200 application/json "{\"count\":$(cat /data/count 2>/dev/null || echo 0),\"pod\":\"$(pod_name)\"}"
  ;;
esac
