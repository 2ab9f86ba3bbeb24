#!/usr/bin/env bash
# Stops the one-node Slurm that slurm-up.sh started: slurmd, slurmctld and (if slurm-up.sh
# started it) munged, each by the pid it wrote; waits until they are gone. Safe to run twice.
set -uo pipefail

DIR="${DSPGD_SLURM_DIR:-/tmp/dspgd-slurm}"

stop() {
  local pidfile="$1" pid
  [[ -s "$pidfile" ]] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "slurm-down: $pidfile ($pid) still running after 10 s, killing it" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  rm -f "$pidfile"
}

stop "$DIR/slurmd.pid"
stop "$DIR/slurmctld.pid"
if [[ -e "$DIR/munged.ours" ]]; then
  stop "$DIR/munged.pid"
  rm -f "$DIR/munged.ours"
fi
# Without a configuration a client fails at once instead of retrying a controller for 10 s.
rm -f "$DIR/slurm.conf"
# The link slurm-up.sh made, if it still points at our configuration.
if [[ -L /etc/slurm/slurm.conf && "$(readlink /etc/slurm/slurm.conf)" == "$DIR/slurm.conf" ]]; then
  rm -f /etc/slurm/slurm.conf
fi
exit 0
