# Provisioning, in order: Node 22, the sensor bundle and rootfs/ overlay, cleanup, validation; then a manifest.
build {
  name    = "vpc-netwatch-sensor"
  sources = ["source.amazon-ebs.sensor"]

  provisioner "shell" {
    inline = ["mkdir -p ${local.staging_dir}/rootfs"]
  }

  provisioner "file" {
    sources     = ["${var.bundle_dir}/netwatch-sensor.mjs", "${var.bundle_dir}/build-info.json"]
    destination = "${local.staging_dir}/"
  }

  # trailing slash: the directory's contents land in rootfs/, at the same relative paths as on the image
  provisioner "file" {
    source      = "${path.root}/rootfs/"
    destination = "${local.staging_dir}/rootfs"
  }

  provisioner "shell" {
    environment_vars = ["NODE_VERSION=${var.node_version}"]
    script           = "${path.root}/scripts/install-node.sh"
  }

  provisioner "shell" {
    environment_vars = ["STAGING_DIR=${local.staging_dir}", "SENSOR_USER=${var.sensor_user}"]
    script           = "${path.root}/scripts/install-sensor.sh"
  }

  provisioner "shell" {
    environment_vars = ["STAGING_DIR=${local.staging_dir}"]
    script           = "${path.root}/scripts/cleanup.sh"
  }

  provisioner "shell" {
    environment_vars = ["SENSOR_USER=${var.sensor_user}", "NODE_VERSION=${var.node_version}"]
    script           = "${path.root}/scripts/validate.sh"
  }

  post-processors {
    post-processor "manifest" {
      output     = "${path.root}/../dist/sensor/packer-manifest.json"
      strip_path = true
      custom_data = {
        version      = var.sensor_version
        git_sha      = var.git_sha
        node_version = var.node_version
        arch         = var.arch
        region       = var.region
      }
    }
    post-processor "shell-local" {
      environment_vars = ["MANIFEST=${path.root}/../dist/sensor/packer-manifest.json", "AWS_REGION=${var.region}"]
      script           = "${path.root}/scripts/require-imdsv2.sh"
    }
  }
}
