#!/usr/bin/env bash
# Fails the build unless the image is what the fleet expects: the service enabled, every file in place with the
# right owner, sysctl values applied at boot, Node 22, and nothing instance-specific left by cleanup.sh.
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
validate_env_set SENSOR_USER NODE_VERSION

failures=0
fail() {
  echo "validate.sh: FAIL: $*" >&2
  failures=$((failures + 1))
}

[[ "$(systemctl is-enabled vxlan-sensor.service 2>/dev/null)" == enabled ]] || fail "vxlan-sensor.service is not enabled"
[[ "$(systemctl is-enabled amazon-cloudwatch-agent.service 2>/dev/null)" == enabled ]] || fail "amazon-cloudwatch-agent.service is not enabled"

for f in /opt/vxlan-sensor/netwatch-sensor.mjs /opt/vxlan-sensor/build-info.json \
  /etc/systemd/system/vxlan-sensor.service /etc/sysctl.d/90-vxlan-sensor.conf /etc/vxlan-sensor/config.json \
  /etc/logrotate.d/vxlan-sensor /opt/aws/amazon-cloudwatch-agent/etc/vxlan-sensor.json; do
  sudo test -f "${f}" || fail "${f} is missing"
done
[[ "$(stat -c %U /opt/vxlan-sensor/netwatch-sensor.mjs)" == root ]] || fail "the bundle must be owned by root"

id "${SENSOR_USER}" >/dev/null 2>&1 || fail "user ${SENSOR_USER} does not exist"
[[ "$(id -u "${SENSOR_USER}")" -lt 1000 ]] || fail "${SENSOR_USER} must be a system user"
[[ "$(getent passwd "${SENSOR_USER}" | cut -d: -f7)" == /sbin/nologin ]] || fail "${SENSOR_USER} must have no login shell"

[[ "$(/usr/bin/node --version)" == "v${NODE_VERSION}" ]] || fail "/usr/bin/node is not v${NODE_VERSION}"
grep -q '^net.core.rmem_max = 67108864$' /etc/sysctl.d/90-vxlan-sensor.conf || fail "rmem_max is not raised"
sudo systemd-analyze verify /etc/systemd/system/vxlan-sensor.service || fail "systemd-analyze verify found problems"

if compgen -G '/etc/ssh/ssh_host_*' >/dev/null; then fail "SSH host keys left in the image"; fi
if sudo find /root /home -name authorized_keys -type f | grep -q .; then fail "authorized_keys left in the image"; fi

if [[ "${failures}" -gt 0 ]]; then
  echo "validate.sh: ${failures} check(s) failed" >&2
  exit 1
fi
log "image validated"
