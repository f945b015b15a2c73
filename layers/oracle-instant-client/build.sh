#!/usr/bin/env bash
# Builds the Lambda layer that gives node-oracledb thick mode its Oracle Instant Client, for the
# functions' runtime: Node.js 22 on arm64 (Amazon Linux 2023).
#
#   layers/oracle-instant-client/build.sh <instantclient-basiclite-linux.arm64-<version>.zip>
#
# The Instant Client zip cannot be fetched by a build (Oracle's licence click-through); download it
# yourself (see README.md). Amazon Linux 2023 has neither libaio.so.1 nor libnsl.so.1, which Instant
# Client needs, so the layer carries them too: by default they are taken from /usr/lib64, i.e. run
# this inside an arm64 Amazon Linux 2023 container with `dnf install -y libaio libnsl zip unzip`;
# or point LIBAIO and LIBNSL at arm64 copies of them.
#
# Output: layers/oracle-instant-client/build/oracle-instant-client-layer.zip (OUT_DIR to change the
# folder), with the libraries under lib/ (Lambda mounts it at /opt/lib, which is on LD_LIBRARY_PATH).
# Symlinks are stored as symlinks (zip -y), so the layer is not twice the size.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="${OUT_DIR:-$here/build}"
libaio="${LIBAIO:-/usr/lib64/libaio.so.1}"
libnsl="${LIBNSL:-/usr/lib64/libnsl.so.1}"
layer_zip="oracle-instant-client-layer.zip"
# Lambda's limit for a function and its layers, unzipped, is 250 MB; the bundle needs a few of them.
max_layer_mb=240

die() { echo "build.sh: $*" >&2; exit 1; }

[[ $# -eq 1 && $1 != -h && $1 != --help ]] || {
  sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}
ic_zip="$1"
[[ -f $ic_zip ]] || die "$ic_zip: no such file (download instantclient-basiclite-linux.arm64-*.zip from Oracle, see README.md)"
for tool in unzip zip od find; do
  command -v "$tool" > /dev/null || die "needs '$tool' on the PATH (Amazon Linux: dnf install -y zip unzip findutils)"
done

# ELF header byte 18 is e_machine: 0xb7 is AArch64.
is_arm64() { [[ "$(od -An -t x1 -j 18 -N 1 "$1" | tr -d ' \n')" == b7 ]]; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
unzip -q "$ic_zip" -d "$work/ic" || die "$ic_zip is not a readable zip"
ic_dir="$(find "$work/ic" -maxdepth 2 -type d -name 'instantclient_*' | head -n 1)"
[[ -n $ic_dir ]] || die "$ic_zip has no instantclient_* folder: is it an Instant Client Basic or Basic Light zip?"

clntsh="$(find "$ic_dir" -maxdepth 1 -type f -name 'libclntsh.so.*' | sort | head -n 1)"
[[ -n $clntsh ]] || die "no libclntsh.so.* in $ic_zip: use the Basic or Basic Light package"
is_arm64 "$clntsh" || die "$(basename "$clntsh") is not an arm64 (aarch64) library: the functions run on arm64, download the linux.arm64 package"

mkdir -p "$work/layer/lib"
copied=()
for pattern in 'libclntsh.so*' 'libclntshcore.so*' 'libnnz*.so*' 'libociicus.so' 'libociei.so'; do
  while IFS= read -r file; do
    cp -P "$file" "$work/layer/lib/"
    copied+=("$(basename "$file")")
  done < <(find "$ic_dir" -maxdepth 1 \( -type f -o -type l \) -name "$pattern" | sort)
done
has() { compgen -G "$work/layer/lib/$1" > /dev/null; }
has 'libclntshcore.so*' || die "no libclntshcore.so* in $ic_zip"
has 'libnnz*.so*' || die "no libnnz*.so in $ic_zip"
has 'libociicus.so' || has 'libociei.so' || die "neither libociicus.so (Basic Light) nor libociei.so (Basic) in $ic_zip"

for triple in "libaio.so.1:LIBAIO:$libaio" "libnsl.so.1:LIBNSL:$libnsl"; do
  IFS=: read -r name variable source <<< "$triple"
  [[ -e $source ]] || die "$source not found: $name is not in the Lambda runtime, so the layer carries it. Run inside arm64 Amazon Linux 2023 after 'dnf install -y libaio libnsl', or set $variable=/path/to/$name"
  # -L: the file itself (on Debian/Ubuntu 24.04 libaio is libaio.so.1t64), under the name Instant Client asks for.
  cp -L "$source" "$work/layer/lib/$name"
  is_arm64 "$work/layer/lib/$name" || die "$source is not an arm64 library"
  copied+=("$name")
done

size_mb="$(du -sm "$work/layer" | cut -f1)"
(( size_mb <= max_layer_mb )) || die "the layer would be ${size_mb} MB unzipped, over ${max_layer_mb} MB: use Basic Light rather than Basic"

mkdir -p "$out_dir"
rm -f "$out_dir/$layer_zip"
(cd "$work/layer" && zip -q -r -y "$out_dir/$layer_zip" lib)
echo "built $out_dir/$layer_zip (${size_mb} MB unzipped): ${copied[*]}"
echo "deploy with: npx cdk deploy -c oracleClientMode=thick"
