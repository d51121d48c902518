#!/usr/bin/env bash
# Installs the pinned Node.js 22 release from nodejs.org (checksum verified) under /usr/local/lib/nodejs and links
# /usr/bin/node. A tarball instead of the distro package: the same version as the project's node devDependency,
# on every architecture, independent of the Amazon Linux repository's schedule.
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
validate_env_set NODE_VERSION

case "$(uname -m)" in
  x86_64) node_arch=x64 ;;
  aarch64) node_arch=arm64 ;;
  *)
    echo "install-node.sh: unsupported machine $(uname -m)" >&2
    exit 1
    ;;
esac
if [[ "${NODE_VERSION}" != 22.* ]]; then
  echo "install-node.sh: NODE_VERSION must be a 22.x release (got ${NODE_VERSION})" >&2
  exit 1
fi

dist="node-v${NODE_VERSION}-linux-${node_arch}"
base="https://nodejs.org/dist/v${NODE_VERSION}"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

log "downloading ${dist}"
curl --fail --silent --show-error --location --retry 5 --proto '=https' --output "${work}/${dist}.tar.xz" "${base}/${dist}.tar.xz"
curl --fail --silent --show-error --location --retry 5 --proto '=https' --output "${work}/SHASUMS256.txt" "${base}/SHASUMS256.txt"
(cd "${work}" && grep " ${dist}.tar.xz\$" SHASUMS256.txt | sha256sum --check --strict -)

sudo mkdir -p /usr/local/lib/nodejs
sudo tar -xJf "${work}/${dist}.tar.xz" -C /usr/local/lib/nodejs
sudo ln -sfn "/usr/local/lib/nodejs/${dist}" /usr/local/lib/nodejs/current
sudo ln -sfn /usr/local/lib/nodejs/current/bin/node /usr/bin/node

installed="$(/usr/bin/node --version)"
if [[ "${installed}" != "v${NODE_VERSION}" ]]; then
  echo "install-node.sh: expected v${NODE_VERSION}, /usr/bin/node is ${installed}" >&2
  exit 1
fi
log "node ${installed} at /usr/bin/node"
