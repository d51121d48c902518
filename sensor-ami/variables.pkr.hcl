# Inputs of the sensor AMI build. Pinned versions live in versions.auto.pkrvars.hcl (loaded automatically when
# Packer is given the directory: `packer build .`); everything else has a default or is passed with -var.

variable "region" {
  type        = string
  description = "AWS region the AMI is built in (and registered in)."
  default     = "us-east-1"
}

variable "arch" {
  type        = string
  description = "CPU architecture of the AMI: x86_64 or arm64 (Graviton). Picks the source AMI and the default instance type."
  default     = "arm64"

  validation {
    condition     = var.arch == "x86_64" || var.arch == "arm64"
    error_message = "The arch value must be x86_64 or arm64."
  }
}

variable "instance_type" {
  type        = string
  description = "Build instance type; empty picks c7g.large for arm64 and c7i.large for x86_64."
  default     = ""
}

variable "source_ami_name" {
  type        = string
  description = "Name filter of the Amazon Linux 2023 source AMI (the architecture is appended)."
  default     = "al2023-ami-2023.*-kernel-6.*"
}

variable "source_ami_owner" {
  type        = string
  description = "Account that owns the source AMI; 137112412989 is Amazon's account for Amazon Linux."
  default     = "137112412989"
}

variable "ami_name_prefix" {
  type        = string
  description = "Prefix of the AMI name; the version, architecture and a timestamp follow it."
  default     = "vpc-netwatch-sensor"
}

variable "ami_users" {
  type        = list(string)
  description = "Other AWS account IDs allowed to launch the AMI (empty: this account only)."
  default     = []
}

variable "root_volume_size" {
  type        = number
  description = "Root volume size in GiB (gp3, encrypted). The sensor keeps no data on disk beyond logs."
  default     = 8
}

variable "kms_key_id" {
  type        = string
  description = "KMS key for the root volume and AMI snapshot encryption; empty uses the account's default EBS key."
  default     = ""
}

variable "subnet_id" {
  type        = string
  description = "Subnet to launch the build instance in (needs outbound HTTPS for dnf and nodejs.org); empty lets Packer use the default VPC."
  default     = ""
}

variable "ssh_username" {
  type        = string
  description = "Login user of the source AMI."
  default     = "ec2-user"
}

variable "node_version" {
  type        = string
  description = "Node.js 22 release installed from nodejs.org; keep it equal to the project's `node` devDependency."

  validation {
    condition     = substr(var.node_version, 0, 3) == "22." && length(split(".", var.node_version)) == 3
    error_message = "The node_version value must be a Node.js 22 release such as 22.23.3."
  }
}

variable "sensor_version" {
  type        = string
  description = "Project version recorded in the AMI name and tags (package.json version)."
}

variable "git_sha" {
  type        = string
  description = "Git commit the sensor bundle was built from, recorded in the AMI tags."
  default     = "unknown"
}

variable "bundle_dir" {
  type        = string
  description = "Directory holding netwatch-sensor.mjs and build-info.json from `npm run build:sensor`."
  default     = "../dist/sensor"
}

variable "sensor_user" {
  type        = string
  description = "Unprivileged system user the daemon runs as (User= in the unit)."
  default     = "vxlan-sensor"
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for the AMI, its snapshots and the build instance."
  default     = {}
}

locals {
  timestamp     = formatdate("YYYYMMDDhhmmss", timestamp())
  instance_type = var.instance_type != "" ? var.instance_type : (var.arch == "arm64" ? "c7g.large" : "c7i.large")
  ami_name      = "${var.ami_name_prefix}-${var.sensor_version}-${var.arch}-${local.timestamp}"
  staging_dir   = "/tmp/vxlan-sensor"
  common_tags = merge(var.tags, {
    "Project"               = "vpc-netwatch"
    "netwatch:component"    = "sensor"
    "netwatch:version"      = var.sensor_version
    "netwatch:git-sha"      = var.git_sha
    "netwatch:node-version" = var.node_version
    "netwatch:arch"         = var.arch
  })
}
