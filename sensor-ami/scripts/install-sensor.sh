#!/usr/bin/env bash
# Installs the sensor: the bundle, a dedicated unprivileged user, the rootfs/ overlay (unit, sysctl, config,
# CloudWatch agent config, logrotate), the CloudWatch agent, and enables the service.
# Inputs (uploaded by the file provisioners): ${STAGING_DIR}/netwatch-sensor.mjs, ${STAGING_DIR}/build-info.json and
# ${STAGING_DIR}/rootfs/.
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
validate_env_set STAGING_DIR SENSOR_USER

for f in netwatch-sensor.mjs build-info.json rootfs/etc/systemd/system/vxlan-sensor.service; do
  if [[ ! -f "${STAGING_DIR}/${f}" ]]; then
    echo "install-sensor.sh: ${STAGING_DIR}/${f} is missing (run npm run build:sensor before packer build)" >&2
    exit 1
  fi
done

log "packages"
sudo dnf install -y --setopt=install_weak_deps=False amazon-cloudwatch-agent logrotate
sudo dnf clean all

log "user ${SENSOR_USER}"
if ! id "${SENSOR_USER}" >/dev/null 2>&1; then
  sudo useradd --system --no-create-home --home-dir /nonexistent --shell /sbin/nologin --user-group "${SENSOR_USER}"
fi

log "bundle"
sudo install -d -o root -g root -m 0755 /opt/vxlan-sensor
sudo install -o root -g root -m 0644 "${STAGING_DIR}/netwatch-sensor.mjs" /opt/vxlan-sensor/netwatch-sensor.mjs
sudo install -o root -g root -m 0644 "${STAGING_DIR}/build-info.json" /opt/vxlan-sensor/build-info.json

log "rootfs overlay"
# files owned by root and not writable by the sensor user: a compromised daemon cannot change its own unit or config
sudo chown -R root:root "${STAGING_DIR}/rootfs"
sudo find "${STAGING_DIR}/rootfs" -type d -exec chmod 0755 {} +
sudo find "${STAGING_DIR}/rootfs" -type f -exec chmod 0644 {} +
sudo cp -R --no-preserve=ownership "${STAGING_DIR}/rootfs/." /
# the config may name the lake bucket and the VNI map object: readable by the sensor's group only
sudo chgrp "${SENSOR_USER}" /etc/vxlan-sensor /etc/vxlan-sensor/config.json
sudo chmod 0750 /etc/vxlan-sensor
sudo chmod 0640 /etc/vxlan-sensor/config.json

log "systemd"
sudo systemd-analyze verify /etc/systemd/system/vxlan-sensor.service
sudo systemctl daemon-reload
sudo systemctl enable vxlan-sensor.service
sudo sysctl --system >/dev/null

log "cloudwatch agent"
sudo /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 \
  -c file:/opt/aws/amazon-cloudwatch-agent/etc/vxlan-sensor.json
sudo systemctl enable amazon-cloudwatch-agent.service

log "config check with the installed node and bundle"
sudo -u "${SENSOR_USER}" /usr/bin/node /opt/vxlan-sensor/netwatch-sensor.mjs --version
