# Helpers for /bin/http-request and the route files (sourced, not run).
CR=$(printf '\r')

# Reads the request line and the headers (to the blank line, so that closing the
# connection never resets it under a client still sending them).
read_request() {
  IFS=' ' read -r -t 10 METHOD target _ || return 1
  REQUEST_PATH=${target%%\?*}
  case "$target" in
  *\?*) QUERY_STRING=${target#*\?} ;;
  *) QUERY_STRING= ;;
  esac
  while IFS= read -r -t 10 line; do
    [ "${line%"$CR"}" = "" ] && break
  done
  return 0
}

# respond STATUS CONTENT-TYPE BODY: writes the whole response and ends the exchange.
# Requests other than the probes are logged to the container's stderr.
respond() {
  case "$1" in
  200) reason=OK ;;
  400) reason='Bad Request' ;;
  404) reason='Not Found' ;;
  500) reason='Internal Server Error' ;;
  503) reason='Service Unavailable' ;;
  *) reason=Unknown ;;
  esac
  case "$REQUEST_PATH" in
  /ready | /healthz) ;;
  *) echo "$METHOD $REQUEST_PATH${QUERY_STRING:+?$QUERY_STRING} $1" >&2 ;;
  esac
  printf 'HTTP/1.1 %s %s\r\nContent-Type: %s\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s\n' \
    "$1" "$reason" "$2" "$((${#3} + 1))" "$3"
  exit 0
}

# query_param NAME: prints NAME's value from the query string (values here are numbers,
# so no URL decoding); fails when NAME is absent.
query_param() {
  local IFS='&' pair
  for pair in $QUERY_STRING; do
    case "$pair" in "$1="*)
      echo "${pair#*=}"
      return 0
      ;;
    esac
  done
  return 1
}

pod_name() { echo "${POD_NAME:-$(hostname)}"; }

# centis UPTIME: /proc/uptime's "12345.67" as hundredths of a second (ash reads a leading
# zero as octal, hence the 1-prefix on the fraction).
centis() { echo $((${1%.*} * 100 + 1${1#*.} - 100)); }

uptime_centis() {
  read -r up _ </proc/uptime
  centis "$up"
}

seconds_since_start() {
  read -r started </tmp/started-at
  echo $((($(uptime_centis) - $(centis "$started")) / 100))
}
