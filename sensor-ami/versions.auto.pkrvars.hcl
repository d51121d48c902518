# Pinned versions, loaded automatically by `packer build .` / `packer validate .`.
# node_version must equal the `node` devDependency in package.json (a unit test checks it).
node_version = "22.23.3"
