#!/usr/bin/env bash
# Runs on the build host after the AMI is registered: marks the AMI ImdsSupport=v2.0, so every instance launched from
# it answers IMDSv2 (token) requests only. Reads the AMI id of this run from the manifest post-processor's file.
# Needs the AWS CLI v2 and the same credentials Packer used (ec2:ModifyImageAttribute on the new AMI).
set -o errexit -o nounset -o pipefail

validate_env_set() {
  local name
  for name in "$@"; do
    if [[ -z "${!name:-}" ]]; then
      echo "$(basename "$0"): environment variable ${name} must be set" >&2
      exit 1
    fi
  done
}
validate_env_set MANIFEST AWS_REGION

# the manifest appends one entry per run; the last run's artifact_id is "<region>:<ami-id>[,<region>:<ami-id>…]"
artifact="$(node -e '
  const m = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  const b = m.builds.filter((x) => x.packer_run_uuid === m.last_run_uuid).pop();
  if (!b) process.exit(1);
  process.stdout.write(b.artifact_id);
' "${MANIFEST}")"

IFS=',' read -r -a pairs <<<"${artifact}"
for pair in "${pairs[@]}"; do
  region="${pair%%:*}"
  ami="${pair#*:}"
  echo "==> require-imdsv2.sh: ${ami} (${region}) ImdsSupport=v2.0"
  aws ec2 modify-image-attribute --region "${region}" --image-id "${ami}" --imds-support v2.0
done
