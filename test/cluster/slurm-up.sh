#!/usr/bin/env bash
# A one-node Slurm on this machine, for test/cluster/slurm.test.ts: munged, slurmctld and slurmd
# on localhost, run as root without systemd (checked on Debian 12, slurm-wlm 22.05).
#
#   sudo test/cluster/slurm-up.sh      # prints SLURM_CONF=<dir>/slurm.conf when the node is idle
#   sudo test/cluster/slurm-down.sh    # stops what this script started, by the pids it wrote
#
# Everything Slurm keeps (configuration, state, spool, logs, pid files) lives in one folder,
# DSPGD_SLURM_DIR (default /tmp/dspgd-slurm); the test finds the configuration there. The only
# files written outside it: /etc/munge/munge.key when there is none, and /etc/slurm/slurm.conf,
# a link to ours, when there is none (so that `sinfo` and `sbatch` work without SLURM_CONF).
# Installs slurm-wlm and munge with apt-get when they are missing. Exits non-zero with the reason
# when the node does not come up, printing the end of the daemons' logs.
set -euo pipefail

DIR="${DSPGD_SLURM_DIR:-/tmp/dspgd-slurm}"
CONF="$DIR/slurm.conf"
WAIT="${DSPGD_SLURM_WAIT:-60}"

fail() {
  echo "slurm-up: $*" >&2
  for log in "$DIR/slurmctld.log" "$DIR/slurmd.log" "$DIR/munged.log"; do
    [[ -s "$log" ]] && { echo "--- tail of $log" >&2; tail -n 20 "$log" >&2; }
  done
  exit 1
}

[[ "$(id -u)" == 0 ]] || fail "must run as root (slurmd starts jobs as their users; munged and slurmctld here run as root)"

alive() { [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Already up (a second call, e.g. a developer's and CI's): nothing to do.
if alive "$DIR/slurmctld.pid" && alive "$DIR/slurmd.pid" \
  && [[ "$(SLURM_CONF="$CONF" sinfo -h -o %T 2>/dev/null)" == idle* ]]; then
  echo "SLURM_CONF=$CONF"
  exit 0
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
  || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  # Without --no-install-recommends slurm-wlm pulls in a mail server and documentation.
  pkgs=(slurm-wlm munge)
  apt-get install -y --no-install-recommends "${pkgs[@]}" >&2 \
    || { apt-get update >&2 && apt-get install -y --no-install-recommends "${pkgs[@]}" >&2; } \
    || fail "apt-get could not install ${pkgs[*]}"
fi

mkdir -p "$DIR"
# A fresh state folder: jobs of an earlier run must not come back.
rm -rf "$DIR/state" "$DIR/spool"
mkdir -p "$DIR/state" "$DIR/spool"

# munge: one key shared by every node (here one), readable by munge only.
if [[ ! -s /etc/munge/munge.key ]]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key /etc/munge 2>/dev/null || true
chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/lib/munge /var/log/munge
chown munge:munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
if ! pgrep -x munged >/dev/null; then
  # As root munged refuses to start unless forced.
  munged --force --pid-file="$DIR/munged.pid" --log-file="$DIR/munged.log" \
    || fail "munged did not start"
  touch "$DIR/munged.ours"
fi
for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
munge -n | unmunge >/dev/null 2>&1 || fail "munge does not work (munge -n | unmunge failed)"

host="$(hostname -s)"
cpus="$(nproc)"
# A little below what is free, or slurmd reports the node invalid.
mem="$(free -m | awk '/^Mem:/ { print int($2 * 0.9) }')"
cat >"$CONF" <<EOF
# Written by test/cluster/slurm-up.sh: a one-node cluster on $host.
ClusterName=dspgd-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
# No cgroups and no systemd here: track processes by parent id, bind nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

mkdir -p /etc/slurm
if [[ ! -e /etc/slurm/slurm.conf ]]; then
  ln -s "$CONF" /etc/slurm/slurm.conf
fi

export SLURM_CONF="$CONF"
# -c: start from a clean state (no jobs or node states from an earlier run).
slurmctld -c -f "$CONF" || fail "slurmctld did not start"
for _ in $(seq 50); do alive "$DIR/slurmctld.pid" && break; sleep 0.1; done
slurmd -f "$CONF" || fail "slurmd did not start"

state=""
for _ in $(seq "$((WAIT * 2))"); do
  state="$(sinfo -h -o %T 2>/dev/null || true)"
  [[ "$state" == idle* ]] && break
  sleep 0.5
done
[[ "$state" == idle* ]] || fail "the node is not idle after ${WAIT}s (sinfo says: '${state:-nothing}')"
echo "SLURM_CONF=$CONF"
