#!/usr/bin/env bash
# Boots the end-to-end test guest under QEMU (TCG: KVM does not work on these machines) with shared
# memfd RAM, as vhost-user needs; the serial console goes to stdout.
# usage: run-guest.sh KERNEL INITRD VCPUS DEVICE [DEVICE ...]
#   SOCKET[,OPTIONS]          vhost-user-blk disk          scsi:SOCKET[,OPTIONS]  vhost-user-scsi adapter
#   reconnect:SOCKET[,OPTIONS] a vhost-user-blk disk whose chardev reconnects (reconnect=1) when the
#                             back-end dies and comes back (crash recovery tests)
#   nvme:IMAGE[,OPTIONS]      QEMU's emulated NVMe controller on a raw image (OPTIONS for -device nvme)
#   nvme-sriov:IMAGE[,OPTIONS] the same behind a PCIe root port, with SR-IOV: one virtual function whose
#                             secondary controller gets 1 I/O queue pair and 1 interrupt when brought online;
#                             the namespace is shared, so the VF sees it too
#   share:TAG=DIR             DIR read-only over virtio-9p as mount tag TAG
#   iommu                     an emulated Intel IOMMU (intel_iommu=on), for VFIO in the guest
#   mem:SIZE                  guest RAM (default 1G)
set -euo pipefail
kernel=${1:?kernel}; initrd=${2:?initrd}; vcpus=${3:?vcpus}; shift 3
args=()
machine=q35,memory-backend=mem
append="console=ttyS0 quiet panic=-1"
mem=1G
n=0
for dev in "$@"; do
  case "$dev" in
    iommu)
      machine="$machine,kernel-irqchip=split"
      args+=(-device intel-iommu,intremap=on,caching-mode=on)
      append="$append intel_iommu=on" ;;
    mem:*) mem=${dev#mem:} ;;
    share:*)
      spec=${dev#share:}
      args+=(-virtfs "local,path=${spec#*=},mount_tag=${spec%%=*},security_model=none,readonly=on") ;;
    nvme:*)
      spec=${dev#nvme:}
      image=${spec%%,*}
      opts=${spec#"$image"}
      args+=(-drive "if=none,id=nv$n,file=$image,format=raw" -device "nvme,drive=nv$n$opts") ;;
    nvme-sriov:*)
      spec=${dev#nvme-sriov:}
      image=${spec%%,*}
      opts=${spec#"$image"}
      args+=(-device "pcie-root-port,id=rp$n,chassis=$((n + 1)),slot=$((n + 1))"
             -device "nvme-subsys,id=ss$n,nqn=jvhost-sriov-$n"
             -device "nvme,id=pf$n,subsys=ss$n,bus=rp$n,sriov_max_vfs=1,sriov_vq_flexible=2,sriov_vi_flexible=1,max_ioqpairs=4,msix_qsize=3$opts"
             -drive "if=none,id=nv$n,file=$image,format=raw" -device "nvme-ns,drive=nv$n,nsid=1,shared=on") ;;
    *)
      device=vhost-user-blk-pci
      chardev=
      if [ "${dev#reconnect:}" != "$dev" ]; then
        chardev=,reconnect=1
        dev=${dev#reconnect:}
      fi
      if [ "${dev#scsi:}" != "$dev" ]; then
        device=vhost-user-scsi-pci
        dev=${dev#scsi:}
      fi
      socket=${dev%%,*}
      opts=${dev#"$socket"}
      args+=(-chardev "socket,id=c$n,path=$socket$chardev" -device "$device,chardev=c$n$opts") ;;
  esac
  n=$((n + 1))
done
exec qemu-system-x86_64 -accel tcg -machine "$machine" -m "$mem" \
  -object memory-backend-memfd,id=mem,size="$mem",share=on -smp "$vcpus" -display none -nodefaults -serial stdio \
  -kernel "$kernel" -initrd "$initrd" -append "$append" "${args[@]}"
