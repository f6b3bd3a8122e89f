#!/usr/bin/env bash
# Builds vfio.ko with CONFIG_VFIO_NOIOMMU for the guest kernel (Debian's is built without it), from
# Debian's linux-source and linux-headers packages of the same version, unpacked, never installed.
# usage: build-noiommu-vfio.sh KERNEL-VERSION OUT.ko   (cached under ~/.cache/jvhost/noiommu)
set -euo pipefail
version=${1:?kernel version, e.g. 6.1.0-56-amd64}
out=${2:?output .ko}
cache="$HOME/.cache/jvhost/noiommu/$version"
if [ -s "$cache/vfio.ko" ]; then cp "$cache/vfio.ko" "$out"; exit 0; fi
for tool in apt-get dpkg make gcc tar xz; do
  command -v "$tool" >/dev/null || { echo "build-noiommu-vfio: $tool is missing" >&2; exit 1; }
done
pkgver=$(apt-cache show "linux-image-$version" 2>/dev/null | awk '/^Version:/{print $2; exit}')
[ -n "$pkgver" ] || { echo "build-noiommu-vfio: no package linux-image-$version" >&2; exit 1; }
series=${version%%.0-*}          # 6.1
abi=${version%-*}                # 6.1.0-56
rm -rf "$cache" && mkdir -p "$cache/deb" "$cache/root"
(cd "$cache/deb" && apt-get download -qq "linux-source-$series=$pkgver" "linux-headers-$version=$pkgver" \
    "linux-headers-$abi-common=$pkgver" "linux-kbuild-$series=$pkgver" >/dev/null 2>&1) \
  || { echo "build-noiommu-vfio: cannot download the $pkgver kernel source and headers" >&2; exit 1; }
for d in "$cache"/deb/*.deb; do dpkg -x "$d" "$cache/root"; done
headers="$cache/root/usr/src/linux-headers-$version"
# the headers point at their common part under /usr/src; point them at the unpacked copy
sed -i "s#^include /usr/src/#include $cache/root/usr/src/#" "$headers/Makefile"
tar -xJf "$cache/root/usr/src/linux-source-$series.tar.xz" -C "$cache" "linux-source-$series/drivers/vfio"
mkdir -p "$cache/build"
src="$cache/linux-source-$series/drivers/vfio"
cp "$src"/vfio_main.c "$src"/iova_bitmap.c "$src"/container.c "$src"/vfio.h "$cache/build/"
cat > "$cache/build/Makefile" <<'MK'
obj-m += vfio.o
vfio-y := vfio_main.o iova_bitmap.o container.o
ccflags-y += -DCONFIG_VFIO_NOIOMMU=1
MK
make -s -C "$headers" M="$cache/build" modules >&2
cp "$cache/build/vfio.ko" "$cache/vfio.ko"
rm -rf "$cache/deb" "$cache/root/usr/src/linux-source-$series.tar.xz" "$cache/linux-source-$series"
cp "$cache/vfio.ko" "$out"
echo "build-noiommu-vfio: vfio.ko with no-IOMMU mode for $version" >&2
