#!/bin/bash
# A VM with Debian 12's own kernel, for what this machine's kernel refuses (kprobes, fentry,
# kprobe_multi, module BTF). QEMU emulates it (TCG: this host's KVM cannot run a stock
# kernel); its root is this machine's / read-only over 9p under a tmpfs overlay, so scry's
# build runs there unchanged.
#
#   vm.sh prepare CACHE          the kernel package that VM_KERNEL (a meta-package, default
#                                linux-image-amd64: Debian 12's 6.1; linux-image-6.12-amd64 is
#                                its 6.12 from bookworm-security) names (apt-get download,
#                                unpacked, never installed) and an initramfs of busybox-static
#                                and the modules 9p and overlayfs need, in CACHE
#   vm.sh cache-dir META         where the VM of kernel package META is best prepared
#   vm.sh run CACHE OUT SCRIPT   boots it and runs SCRIPT (a shell script on this machine) as
#                                root inside, with /sys, tracefs and bpffs of the VM's kernel;
#                                its output goes to OUT/log, its exit status to OUT/rc, the
#                                console to OUT/console. Exits with SCRIPT's status (124 if the
#                                VM did not finish within VM_TIMEOUT seconds, default 1200).
# Exit status 77 (and a line saying why) when QEMU or the kernel package cannot be had.
set -euo pipefail

# In load order; those a kernel has built in (or merged into another, as 6.12 merged fscache
# into netfs) are left out. 6.12 packages them xz-compressed, which busybox's insmod cannot read.
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache
         9pnet 9pnet_virtio 9p overlay)
NEEDED=(9pnet_virtio 9p overlay)

skip() { echo "vm: SKIP: $*"; exit 77; }

prepare() {
  local cache=$1
  command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
  [ -x /bin/busybox ] || skip "busybox-static is not installed"
  mkdir -p "$cache"
  local pkg
  local meta=${VM_KERNEL:-linux-image-amd64}
  pkg=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
  [ -n "$pkg" ] || skip "apt knows no kernel package for $meta"
  if [ ! -s "$cache/$pkg.ok" ]; then
    rm -rf "$cache/kernel" "$cache"/*.deb
    (cd "$cache" && apt-get download "$pkg" >/dev/null 2>&1) || skip "apt-get download $pkg failed"
    dpkg-deb -x "$cache"/"$pkg"_*.deb "$cache/kernel"
    rm -f "$cache"/*.deb
    echo "$pkg" >"$cache/$pkg.ok"
  fi
  local release=${pkg#linux-image-}
  local kdir="$cache/kernel/lib/modules/$release"
  # The initramfs: busybox, the modules in load order, and /init.
  local ird="$cache/initramfs"
  rm -rf "$ird" && mkdir -p "$ird/bin" "$ird/modules"
  cp /bin/busybox "$ird/bin/busybox"
  : >"$ird/modules/order"
  for m in "${MODULES[@]}"; do
    local ko
    ko=$(find "$kdir" -name "$m.ko" -o -name "$m.ko.xz" | head -1)
    case "$ko" in
      *.xz) xz -dc "$ko" >"$ird/modules/$m.ko" ;;
      ?*) cp "$ko" "$ird/modules/" ;;
      *) if [[ " ${NEEDED[*]} " == *" $m "* ]] && ! grep -q "/$m.ko$" "$kdir/modules.builtin"; then
           skip "module $m is not in $pkg"
         fi
         continue ;;
    esac
    echo "$m" >>"$ird/modules/order"
  done
  cat >"$ird/init" <<'EOF'
#!/bin/busybox sh
b=/bin/busybox
$b mkdir -p /proc /sys /dev /host /up /root
$b mount -t proc proc /proc
$b mount -t sysfs sys /sys
$b mount -t devtmpfs dev /dev
for m in $($b cat /modules/order); do $b insmod /modules/$m.ko || echo "vm: insmod $m failed"; done
$b mount -t 9p -o trans=virtio,version=9p2000.L,ro host /host || echo "vm: no 9p root"
$b mount -t tmpfs -o size=1g tmpfs /up
$b mkdir -p /up/upper /up/work
$b mount -t overlay overlay -o lowerdir=/host,upperdir=/up/upper,workdir=/up/work /root || echo "vm: no overlay"
$b mkdir -p /root/vmout
$b mount -t 9p -o trans=virtio,version=9p2000.L out /root/vmout || echo "vm: no 9p out"
$b ln -s /proc/self/fd /dev/fd
for d in proc sys dev; do $b mount --move /$d /root/$d; done
$b chroot /root /bin/sh -c '
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
  mount -t debugfs nodev /sys/kernel/debug 2>/dev/null
  mount -t bpf bpf /sys/fs/bpf 2>/dev/null
  mount -t cgroup2 none /sys/fs/cgroup && echo +memory >/sys/fs/cgroup/cgroup.subtree_control
  mount -t tmpfs tmpfs /run
  hostname scry-vm
  ip link set lo up
  cd /vmout
  : >/vmout/started
  sh /vmout/script.sh >/vmout/log 2>&1
  echo $? >/vmout/rc
  sync'
$b poweroff -f
EOF
  chmod +x "$ird/init"
  (cd "$ird" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$cache/initramfs.gz"
  cp "$cache/kernel/boot/vmlinuz-$release" "$cache/vmlinuz"
  echo "vm: prepared $pkg in $cache"
}

# One boot of the VM; the status as run() describes it.
boot() {
  local cache=$1 out=$2
  rm -f "$out/rc" "$out/log" "$out/console" "$out/started"
  local rc=0
  timeout "${VM_TIMEOUT:-1200}" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 2048 \
    -kernel "$cache/vmlinuz" -initrd "$cache/initramfs.gz" \
    -append "console=ttyS0 panic=-1 quiet loglevel=3" \
    -fsdev local,id=host,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-pci,fsdev=host,mount_tag=host \
    -fsdev local,id=out,path="$out",security_model=none,multidevs=remap \
    -device virtio-9p-pci,fsdev=out,mount_tag=out \
    -display none -monitor none -serial file:"$out/console" -no-reboot || rc=$?
  [ $rc = 124 ] && { echo "vm: the VM did not finish in ${VM_TIMEOUT:-1200} s"; return 124; }
  [ -s "$out/rc" ] || { echo "vm: the script did not run; the console says:"; tail -20 "$out/console"; return 1; }
  return "$(cat "$out/rc")"
}

# Multi-threaded TCG sometimes loses a race with the kernel patching its own text while it
# boots (an "Oops: int3" in a CI run, about one boot in dozens): a guest that died before it
# started the script is booted again, at most VM_BOOT_TRIES times, and says so. A guest that
# fails once the script has started is never retried.
run() {
  local cache=$1 out=$2 script=$3
  [ -s "$cache/vmlinuz" ] && [ -s "$cache/initramfs.gz" ] || prepare "$cache" >/dev/null
  mkdir -p "$out"
  cp "$script" "$out/script.sh"
  local try rc
  for ((try = 1; ; try++)); do
    rc=0
    boot "$cache" "$out" || rc=$?
    [ -e "$out/started" ] || [ $rc = 124 ] || [ "$try" -ge "${VM_BOOT_TRIES:-3}" ] && return $rc
    echo "vm: the guest died before it started the script (boot $try); booting it again"
  done
}

# Where a kernel's VM is prepared: /var/cache/scry-vm for linux-image-amd64, else
# /var/cache/scry-vm-RELEASE (linux-image-6.12-amd64: scry-vm-6.12); under $SCRY_VM_CACHE if set.
cache_dir() {
  local k=${1#linux-image-}
  k=${k%amd64}
  echo "${SCRY_VM_CACHE:-/var/cache}/scry-vm${k:+-${k%-}}"
}

case "${1:-}" in
  cache-dir) cache_dir "$2" ;;
  prepare) prepare "$2" ;;
  run) run "$2" "$3" "$4" ;;
  *) echo "usage: vm.sh cache-dir META | vm.sh prepare CACHE | vm.sh run CACHE OUT SCRIPT"; exit 2 ;;
esac
