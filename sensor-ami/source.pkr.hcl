# The build instance and the AMI it becomes: Amazon Linux 2023, IMDSv2 only, encrypted gp3 root.
source "amazon-ebs" "sensor" {
  region        = var.region
  instance_type = local.instance_type
  subnet_id     = var.subnet_id != "" ? var.subnet_id : null
  ssh_username  = var.ssh_username

  source_ami_filter {
    filters = {
      name                = "${var.source_ami_name}-${var.arch}"
      architecture        = var.arch
      root-device-type    = "ebs"
      virtualization-type = "hvm"
    }
    owners      = [var.source_ami_owner]
    most_recent = true
  }

  # IMDSv2: Packer 1.6.6 (Debian; what CI validates with) has no metadata_options here, so the AMI is marked
  # ImdsSupport=v2.0 after registration (scripts/require-imdsv2.sh, post-processor in build.pkr.hcl): every instance
  # launched from it gets IMDSv2 only, and the fleet's launch template requires it too. On current Packer add
  # `metadata_options { http_tokens = "required" }` and `imds_support = "v2.0"` here (docs/sensor-ami.md).

  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_type           = "gp3"
    volume_size           = var.root_volume_size
    iops                  = 3000
    throughput            = 125
    encrypted             = true
    kms_key_id            = var.kms_key_id != "" ? var.kms_key_id : null
    delete_on_termination = true
  }

  ami_name        = local.ami_name
  ami_description = "vpc-netwatch VXLAN mirror sensor ${var.sensor_version} (${var.arch}) on Amazon Linux 2023"
  ami_users       = var.ami_users
  encrypt_boot    = true
  kms_key_id      = var.kms_key_id != "" ? var.kms_key_id : null
  ena_support     = true

  tags = merge(local.common_tags, {
    "Name"                     = local.ami_name
    "netwatch:source-ami"      = "{{ .SourceAMI }}"
    "netwatch:source-ami-name" = "{{ .SourceAMIName }}"
  })
  snapshot_tags   = local.common_tags
  run_tags        = merge(local.common_tags, { "Name" = "packer-${local.ami_name}" })
  run_volume_tags = local.common_tags
}
