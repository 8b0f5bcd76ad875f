#!/usr/bin/env bash
# Gets Docker Engine running on this machine, plus the static busybox the workload images are
# built from and debootstrap the node image is built with (src/images), qemu to boot
# the node image's disk, vagrant, and the other Debian packages the tests use. Idempotent:
# what is installed and running is left alone. There is no systemd on these machines, so dockerd is started in
# the background by hand and we wait for its socket to answer.
set -euo pipefail

DOCKERD_LOG=/var/log/dockerd.log
READY_TIMEOUT_S=60

docker_answers() { docker info >/dev/null 2>&1; }

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
[ -x /bin/busybox ] || missing+=(busybox-static)
# A real OpenSSH server for the bootstrap tests (src/provision/ssh), and tmux for terminal tests.
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
[ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
# The firewall partition tests run real iptables in a private network namespace: unshare (from
# util-linux) makes it, ip (iproute2) sets up its loopback, iptables puts the rules in.
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
[ -x /sbin/ip ] || missing+=(iproute2)
[ -x /usr/sbin/iptables ] || missing+=(iptables)
# qemu without its Recommends: they are a desktop's worth of GUI and firmware packages, and
# kubelab only boots a kernel on a serial console.
missing_lean=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing_lean+=(qemu-system-x86)
command -v qemu-img >/dev/null 2>&1 || missing_lean+=(qemu-utils)
# Vagrant for the vagrant provider's tests (real `vagrant validate`, a real failing `vagrant up`):
# without its Recommends, which are vagrant-libvirt and the libvirt daemon; the tests need no provider.
command -v vagrant >/dev/null 2>&1 || missing_lean+=(vagrant)

if [ "$((${#missing[@]} + ${#missing_lean[@]}))" -gt 0 ]; then
  # Only refresh the package lists when apt does not know a candidate for every package:
  # a fresh machine has no lists, a prepared one skips the slow update.
  for pkg in "${missing[@]}" "${missing_lean[@]}"; do
    # (grep without -q: an early exit would SIGPIPE apt-cache and fail under pipefail)
    if ! apt-cache policy "$pkg" 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null; then
      echo "install-docker: apt-get update"
      apt-get update -qq
      break
    fi
  done
  # A machine image's package lists can be older than the packages it has installed (seen:
  # libarchive13 newer than the lists' libarchive-tools wants), which apt reports as "held
  # broken packages": refresh the lists once and try again.
  apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null && return 0
    echo "install-docker: apt-get install failed; refreshing the package lists and retrying"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  }
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-docker: apt-get install ${missing[*]}"
    apt_install "${missing[@]}"
  fi
  if [ "${#missing_lean[@]}" -gt 0 ]; then
    echo "install-docker: apt-get install --no-install-recommends ${missing_lean[*]}"
    apt_install --no-install-recommends "${missing_lean[@]}"
  fi
fi

if docker_answers; then
  echo "install-docker: Docker Engine already running ($(docker version -f '{{.Server.Version}}'))"
  exit 0
fi

# A dockerd that is still starting up is left alone rather than doubled.
# Only this machine's own dockerd counts: container-nodes run nested dockerds, visible here.
if ! pgrep -x dockerd --ns $$ --nslist pid >/dev/null 2>&1; then
  echo "install-docker: starting dockerd (log: $DOCKERD_LOG)"
  # setsid + </dev/null: dockerd must outlive this script and the shell that ran it.
  setsid dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
fi

deadline=$((SECONDS + READY_TIMEOUT_S))
until docker_answers; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "install-docker: dockerd did not answer within ${READY_TIMEOUT_S}s; see $DOCKERD_LOG:" >&2
    tail -n 20 "$DOCKERD_LOG" >&2 || true
    exit 1
  fi
  sleep 0.5
done
echo "install-docker: Docker Engine $(docker version -f '{{.Server.Version}}') is up"
