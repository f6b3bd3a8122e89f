#!/usr/bin/env bash
# Builds what the end-to-end tests boot: a Debian kernel (from the package linux-image-amd64 depends
# on, unpacked, never installed) and a busybox initramfs with fio, sg3-utils, nvme-cli and the virtio
# block and SCSI modules.
# Usage: build-guest.sh OUTDIR   -> OUTDIR/vmlinuz, OUTDIR/initramfs.cpio (idempotent, cached)
set -euo pipefail
out=${1:?usage: build-guest.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
if [ -s "$out/vmlinuz" ] && [ -s "$out/initramfs.cpio" ] && [ "$out/initramfs.cpio" -nt "$here/build-guest.sh" ] \
        && [ "$out/initramfs.cpio" -nt "$here/init" ] && [ "$out/initramfs.cpio" -nt "$here/build-noiommu-vfio.sh" ]; then
  exit 0
fi
sg_tools="sg_inq sg_vpd sg_readcap sg_luns sg_unmap sg_turs sg_reset sg_compare_and_write sg_write_same"
for tool in busybox fio nvme depmod modprobe cpio apt-get dpkg make gcc $sg_tools; do
  command -v "$tool" >/dev/null || { echo "build-guest: $tool is missing (apt-get install busybox-static fio nvme-cli kmod cpio sg3-utils make gcc)" >&2; exit 1; }
done

kernel_package() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
pkg=$(kernel_package)
if [ -z "$pkg" ]; then
  echo "build-guest: refreshing the package lists (apt-get update)" >&2
  apt-get update -qq
  pkg=$(kernel_package)
fi
[ -n "$pkg" ] || { echo "build-guest: cannot tell which kernel package linux-image-amd64 depends on" >&2; exit 1; }
version=${pkg#linux-image-}

kdir="$out/kernel-$version"
if [ ! -d "$kdir/lib/modules/$version" ]; then
  rm -rf "$out/deb" "$kdir"
  mkdir -p "$out/deb"
  (cd "$out/deb" && apt-get download -qq "$pkg" >/dev/null)
  dpkg -x "$out"/deb/"$pkg"_*.deb "$kdir"
  rm -rf "$out/deb"
  depmod -b "$kdir" "$version"
fi
cp "$kdir/boot/vmlinuz-$version" "$out/vmlinuz"

root="$out/root"
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,lib/modules,lib64,etc,mnt}
cp "$(command -v busybox)" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

# fio, the sg3-utils the SCSI tests use, nvme-cli (an SR-IOV controller's Virtualization Management
# commands in the NVMe fault test), and every shared library they load, at the paths the loader looks in
for tool in fio nvme $sg_tools; do
  cp "$(command -v "$tool")" "$root/bin/$tool"
  ldd "$(command -v "$tool")" | awk '/=>/{print $3} /ld-linux/{print $1}' | while read -r lib; do
    [ -n "$lib" ] || continue
    dest="$root$(dirname "$lib")"
    mkdir -p "$dest"
    cp -L "$lib" "$dest/"
  done
done

# the C library pieces a JDK shared read-only over virtio-9p needs (the NVMe driver tests run java in the guest)
for lib in libc.so.6 libdl.so.2 libpthread.so.0 librt.so.1 libm.so.6 libz.so.1; do
  for dir in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu; do
    if [ -e "$dir/$lib" ]; then mkdir -p "$root$dir"; cp -L "$dir/$lib" "$root$dir/"; break; fi
  done
done
mkdir -p "$root/lib64" && cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"

# modules in load order, as modprobe would resolve them: load-order is loaded at boot, the other
# groups by a test with 'loadmods GROUP' (nvme: the kernel's NVMe driver; vfio: vfio-pci with the
# type-1 IOMMU backend, which busybox's modprobe would not pull in; 9p: the shared JDK and runtime)
module_group() { # LIST-FILE MODULE...
  local list=$1; shift
  : > "$root/lib/modules/$list"
  for mod in "$@"; do
    modprobe -d "$kdir" -S "$version" --show-depends "$mod" | while read -r kind path _; do
      [ "$kind" = insmod ] || continue
      name=$(basename "$path")
      if ! grep -qx "${name%.xz}" "$root/lib/modules/$list"; then
        [ -e "$root/lib/modules/${name%.xz}" ] || cp "$path" "$root/lib/modules/$name"
        echo "${name%.xz}" >> "$root/lib/modules/$list"
      fi
    done
  done
}
module_group load-order virtio_pci virtio_blk virtio_scsi sd_mod
module_group group-nvme nvme
module_group group-vfio vfio vfio_iommu_type1 vfio-pci
module_group group-9p 9pnet_virtio 9p
for f in "$root"/lib/modules/*.ko.xz; do
  [ -e "$f" ] && xz -d "$f"
done
# vfio.ko rebuilt with no-IOMMU mode, for the NVMe driver's no-IOMMU test (loaded instead of Debian's)
"$here/build-noiommu-vfio.sh" "$version" "$root/lib/modules/vfio-noiommu.ko"
cat > "$root/bin/loadmods" <<'LOADMODS'
#!/bin/sh
# loadmods GROUP: insmod a module group built into this initramfs, in dependency order
# (a helper such as crct10dif-pclmul may refuse an emulated CPU without its instructions: only the
# group's last module, the one asked for, must load)
rc=0
while read -r m; do
  name=$(echo "${m%.ko}" | tr - _)
  grep -q "^$name " /proc/modules && continue
  insmod "/lib/modules/$m" 2>/dev/null; rc=$?
done < "/lib/modules/group-$1"
exit $rc
LOADMODS
chmod +x "$root/bin/loadmods"

cp "$here/init" "$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet > "$out/initramfs.cpio.tmp")
mv "$out/initramfs.cpio.tmp" "$out/initramfs.cpio"
rm -rf "$root"
echo "build-guest: kernel $version, initramfs $(du -h "$out/initramfs.cpio" | cut -f1)" >&2
