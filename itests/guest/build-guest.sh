#!/usr/bin/env bash
# Builds what the end-to-end tests boot: a Debian kernel (from the package linux-image-amd64 depends
# on, unpacked, never installed) and a busybox initramfs with fio, sg3-utils and the virtio block and
# SCSI modules.
# Usage: build-guest.sh OUTDIR   -> OUTDIR/vmlinuz, OUTDIR/initramfs.cpio (idempotent, cached)
set -euo pipefail
out=${1:?usage: build-guest.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
if [ -s "$out/vmlinuz" ] && [ -s "$out/initramfs.cpio" ] && [ "$out/initramfs.cpio" -nt "$here/build-guest.sh" ] \
        && [ "$out/initramfs.cpio" -nt "$here/init" ]; then
  exit 0
fi
sg_tools="sg_inq sg_vpd sg_readcap sg_luns sg_unmap sg_turs sg_reset sg_compare_and_write sg_write_same"
for tool in busybox fio depmod modprobe cpio apt-get dpkg $sg_tools; do
  command -v "$tool" >/dev/null || { echo "build-guest: $tool is missing (apt-get install busybox-static fio kmod cpio sg3-utils)" >&2; exit 1; }
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

# fio, the sg3-utils the SCSI tests use, and every shared library they load, at the paths the loader looks in
for tool in fio $sg_tools; do
  cp "$(command -v "$tool")" "$root/bin/$tool"
  ldd "$(command -v "$tool")" | awk '/=>/{print $3} /ld-linux/{print $1}' | while read -r lib; do
    [ -n "$lib" ] || continue
    dest="$root$(dirname "$lib")"
    mkdir -p "$dest"
    cp -L "$lib" "$dest/"
  done
done

# modules in load order, as modprobe would resolve them
: > "$root/lib/modules/load-order"
for mod in virtio_pci virtio_blk virtio_scsi sd_mod; do
  modprobe -d "$kdir" -S "$version" --show-depends "$mod" | while read -r kind path _; do
    [ "$kind" = insmod ] || continue
    name=$(basename "$path")
    if ! grep -qx "$name" "$root/lib/modules/load-order"; then
      cp "$path" "$root/lib/modules/$name"
      echo "$name" >> "$root/lib/modules/load-order"
    fi
  done
done
for f in "$root"/lib/modules/*.ko.xz; do
  [ -e "$f" ] && xz -d "$f"
done
sed -i 's/\.xz$//' "$root/lib/modules/load-order"

cp "$here/init" "$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet > "$out/initramfs.cpio.tmp")
mv "$out/initramfs.cpio.tmp" "$out/initramfs.cpio"
rm -rf "$root"
echo "build-guest: kernel $version, initramfs $(du -h "$out/initramfs.cpio" | cut -f1)" >&2
