#!/usr/bin/env bash
# A throw-away S3 server for tests and development: a single-node Ceph cluster on loopback (one monitor, one OSD on
# the in-memory objectstore, radosgw with the beast frontend), every file in one temp dir, no systemd, no mgr.
#
#   scripts/rgw-server.sh start [dir]   prints S3_ENDPOINT=… S3_ACCESS_KEY=… S3_SECRET_KEY=… RGW_DIR=… (one line)
#   scripts/rgw-server.sh stop <dir>    kills radosgw and the OSD, then the monitor, and removes the dir
#   scripts/rgw-server.sh pause <dir> [TERM|KILL]   stops radosgw only (the store unreachable; the data stays)
#   scripts/rgw-server.sh resume <dir>  starts radosgw again on the same port
#
# Needs Debian's packages: apt-get install -y --no-install-recommends ceph-mon ceph-mgr ceph-osd radosgw ceph-common
# Data lives in memory (memstore): stopping loses it, which is what tests want. Pitfalls this avoids are in
# docs/ARCHITECTURE.md ("S3 object storage").
set -euo pipefail

die() { echo "rgw-server: $*" >&2; exit 1; }

# A port nobody listens on now (the kernel's choice; the small race until the daemon binds is acceptable for tests).
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# Whether a pid is a live process (a zombie still answers kill -0).
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

kill_pidfile() {
  local file=$1 signal=${2:-KILL} pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  [ -n "$pid" ] || return 0
  kill -"$signal" "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$pid" || return 0; sleep 0.05; done
  [ "$signal" = KILL ] || { kill -KILL "$pid" 2>/dev/null || true; sleep 0.1; alive "$pid" || return 0; }
  echo "rgw-server: pid $pid did not exit" >&2
}

stop() {
  local dir=${1:-}
  [ -n "$dir" ] || die "usage: $0 stop <dir>"
  [ -f "$dir/ceph.conf" ] || die "$dir is not an rgw-server dir (no ceph.conf)"
  # radosgw and the OSD before the monitor: an OSD that loses its monitor first waits 5 s before exiting.
  kill_pidfile "$dir/run/client.rgw.pid"
  kill_pidfile "$dir/run/osd.0.pid"
  kill_pidfile "$dir/run/mon.a.pid"
  rm -rf "$dir"
}

start() {
  for bin in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph; do
    command -v "$bin" >/dev/null || die "$bin not found: apt-get install -y --no-install-recommends ceph-mon ceph-mgr ceph-osd radosgw ceph-common"
  done
  local dir=${1:-}
  # A dir of the caller's must be new or empty: a failed start removes it.
  if [ -n "$dir" ] && [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then die "$dir is not empty"; fi
  if [ -z "$dir" ]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/verbatim-rgw-XXXXXX"); else mkdir -p "$dir"; fi
  dir=$(cd "$dir" && pwd)
  # Anything failing from here on leaves no daemon behind (the trap runs outside this function: a global name).
  STARTED_DIR=$dir
  trap 'status=$?; if [ $status -ne 0 ]; then if [ -f "$STARTED_DIR/ceph.conf" ]; then stop "$STARTED_DIR"; else rm -rf "$STARTED_DIR"; fi; fi; exit $status' EXIT
  mkdir -p "$dir"/{run,log,mon,osd,rgw}

  local mon_port rgw_port base fsid conf="$dir/ceph.conf"
  mon_port=$(free_port)
  rgw_port=$(free_port)
  # The OSD binds several messenger ports; keep them (and the monitor's) in a range of our choosing.
  base=$(( 20000 + RANDOM % 30000 ))
  fsid=$(cat /proc/sys/kernel/random/uuid)
  cat >"$conf" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
mon initial members = a
public network = 127.0.0.0/8
ms bind msgr1 = false
ms bind port min = $base
ms bind port max = $(( base + 100 ))
# radosgw loops on "get_initial_auth_request returned -13" with auth none unless the monitor link is plain crc.
ms mon client mode = crc
auth cluster required = none
auth service required = none
auth client required = none
run dir = $dir/run
pid file = $dir/run/\$name.pid
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
mon data = $dir/mon/\$name
osd data = $dir/osd/\$name
# One OSD: pools of size 1, one placement group each, nothing waiting for redundancy or for a manager to scale.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 1
osd pool default pgp num = 1
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
# Throw-away disks here are fuller than the default free-space warning expects.
mon data avail warn = 5
mon data avail crit = 1
# Proposals every 0.1 s: ready in about 2 s rather than 13.
paxos propose interval = 0.1
# A gateway that died without a goodbye holds a watch the next one's notifies wait for: forget it after 5 s, not 30.
osd client watch timeout = 5
osd objectstore = memstore
memstore device bytes = 2147483648
rgw data = $dir/rgw
CONF

  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
  ceph-mon -c "$conf" -i a --mkfs --monmap "$dir/monmap" >/dev/null 2>"$dir/log/mkfs-mon.err" || die "ceph-mon --mkfs failed: $(cat "$dir/log/mkfs-mon.err")"
  ceph-mon -c "$conf" -i a || die "ceph-mon did not start (see $dir/log/mon.a.log)"

  local osd_uuid osd_id
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  osd_id=$(timeout 30 ceph -c "$conf" osd new "$osd_uuid" 2>"$dir/log/osd-new.err") || die "ceph osd new failed: $(cat "$dir/log/osd-new.err")"
  [ "$osd_id" = 0 ] || die "expected osd.0, got osd.$osd_id"
  mkdir -p "$dir/osd/osd.0"
  ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>"$dir/log/mkfs-osd.err" || die "ceph-osd --mkfs failed: $(cat "$dir/log/mkfs-osd.err")"
  ceph-osd -c "$conf" -i 0 2>/dev/null || die "ceph-osd did not start (see $dir/log/osd.0.log)"

  echo "$rgw_port" >"$dir/rgw.port"
  start_gateway "$dir"

  local access secret
  access=$(LC_ALL=C tr -dc 'A-Z0-9' </dev/urandom | head -c 20 || true)  # head closing the pipe is expected
  secret=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 40 || true)
  timeout 60 radosgw-admin -c "$conf" -n client.admin user create --uid verbatim --display-name "Verbatim tests" \
    --access-key "$access" --secret "$secret" >/dev/null 2>"$dir/log/user-create.err" \
    || die "radosgw-admin user create failed: $(tail -5 "$dir/log/user-create.err")"

  wait_gateway "$dir"
  echo "S3_ENDPOINT=http://127.0.0.1:$rgw_port S3_ACCESS_KEY=$access S3_SECRET_KEY=$secret RGW_DIR=$dir"
  printf 'S3_ENDPOINT=http://127.0.0.1:%s\nS3_ACCESS_KEY=%s\nS3_SECRET_KEY=%s\n' "$rgw_port" "$access" "$secret" >"$dir/s3.env"
  chmod 600 "$dir/s3.env"
}

start_gateway() {
  local dir=$1
  # radosgw's parent waits for the cluster before it forks away: bound that wait.
  timeout 60 radosgw -c "$dir/ceph.conf" -n client.rgw --rgw-frontends "beast endpoint=127.0.0.1:$(cat "$dir/rgw.port")" \
    || die "radosgw did not start (see $dir/log/client.rgw.log)"
}

# Ready when the gateway answers HTTP (an anonymous request gets an S3 XML answer).
wait_gateway() {
  local dir=$1 port
  port=$(cat "$dir/rgw.port")
  for _ in $(seq 600); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && return 0
    sleep 0.1
  done
  die "radosgw did not answer on 127.0.0.1:$port within 60 s (see $dir/log/client.rgw.log)"
}

# Only the gateway goes away (tests of an unreachable object store); the cluster and its data stay.
pause() {
  local dir=${1:-}
  local signal=${2:-TERM}
  [ -f "$dir/rgw.port" ] || die "usage: $0 pause <dir> [TERM|KILL] (an rgw-server dir)"
  # TERM by default: a gateway killed outright leaves its cache watch behind, and the next one's metadata writes
  # (bucket creation) wait for that watch to time out (5 s here). KILL is a crash: nothing in flight completes.
  kill_pidfile "$dir/run/client.rgw.pid" "$signal"
  rm -f "$dir/run/client.rgw.pid"
}

resume() {
  local dir=${1:-}
  [ -f "$dir/rgw.port" ] || die "usage: $0 resume <dir> (an rgw-server dir)"
  start_gateway "$dir"
  wait_gateway "$dir"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  pause) shift; pause "$@" ;;
  resume) shift; resume "$@" ;;
  *) die "usage: $0 start [dir] | stop <dir> | pause <dir> | resume <dir>" ;;
esac
