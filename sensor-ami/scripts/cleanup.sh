#!/usr/bin/env bash
# Leaves nothing instance-specific in the image: SSH host keys and authorized_keys (every instance gets its own),
# cloud-init state, the machine id, logs, shell history and the staging directory.
set -o errexit -o nounset -o pipefail

# Packer uploads each script on its own, so the two helpers live in every script.
validate_env_set() {
  local name
  for name in "$@"; do
    if [[ -z "${!name:-}" ]]; then
      echo "$(basename "$0"): environment variable ${name} must be set" >&2
      exit 1
    fi
  done
}
log() { echo "==> $(basename "$0"): $*"; }
validate_env_set STAGING_DIR

log "staging directory"
sudo rm -rf "${STAGING_DIR}"

log "ssh host keys and authorized keys"
sudo rm -f /etc/ssh/ssh_host_*
sudo find /root /home -name authorized_keys -type f -delete

log "cloud-init, machine id, logs, history"
sudo cloud-init clean --logs
sudo truncate -s 0 /etc/machine-id
sudo rm -f /var/lib/systemd/random-seed
sudo rm -rf /var/log/vxlan-sensor/* /var/lib/vxlan-sensor/*
sudo find /var/log -type f \( -name '*.log' -o -name '*.gz' \) -delete
sudo journalctl --rotate >/dev/null
sudo journalctl --vacuum-time=1s >/dev/null
sudo rm -f /root/.bash_history "${HOME}/.bash_history"
sudo dnf clean all
