#!/usr/bin/env bash
# Boots the end-to-end test guest under QEMU (TCG: KVM does not work on these machines) with shared
# memfd RAM, as vhost-user needs, and vhost-user-blk disks; the serial console goes to stdout.
# usage: run-guest.sh KERNEL INITRD VCPUS SOCKET[,DEVICE-OPTIONS] [SOCKET[,DEVICE-OPTIONS] ...]
set -euo pipefail
kernel=${1:?kernel}; initrd=${2:?initrd}; vcpus=${3:?vcpus}; shift 3
args=()
n=0
for disk in "$@"; do
  device=vhost-user-blk-pci
  if [ "${disk#scsi:}" != "$disk" ]; then
    device=vhost-user-scsi-pci
    disk=${disk#scsi:}
  fi
  socket=${disk%%,*}
  opts=${disk#"$socket"}
  args+=(-chardev "socket,id=c$n,path=$socket" -device "$device,chardev=c$n$opts")
  n=$((n + 1))
done
exec qemu-system-x86_64 -accel tcg -machine q35,memory-backend=mem -m 1G \
  -object memory-backend-memfd,id=mem,size=1G,share=on -smp "$vcpus" -display none -nodefaults -serial stdio \
  -kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 quiet panic=-1" "${args[@]}"
