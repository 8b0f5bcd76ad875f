#!/bin/sh
# Runs inside the new root filesystem (chroot), after debootstrap and after rootfs/ is laid
# over it: the parts of the recipe that are commands rather than files.
set -eu

# Kernel names (eth0, eth1, ...) instead of predictable ones (ens3, enp0s4, ...): the first
# NIC is then eth0 in every VM, which 10-kubelab-first-nic.network relies on.
ln -sf /dev/null /etc/systemd/network/99-default.link

# The initrd debootstrap made predates this recipe; udev in it would still rename the NICs.
# (The Dockerfile build installs no kernel, so it has no initrd to remake.)
if command -v update-initramfs >/dev/null; then update-initramfs -u -k all; fi

systemctl enable systemd-networkd.service kubelab-ssh-host-key.service kubelab-authorized-key.service

# Nothing runs at boot that a node does not need: on a software-emulated (TCG) VM every
# process costs seconds of its one CPU. The modules still load on demand; there is no GPU,
# EFI, LVM or device-mapper here. apt must not download or upgrade behind the lab's back.
systemctl mask modprobe@drm.service modprobe@efi_pstore.service modprobe@dm_mod.service \
  modprobe@loop.service modprobe@fuse.service
systemctl disable e2scrub_reap.service e2scrub_all.timer apt-daily.timer apt-daily-upgrade.timer

# Nothing that identifies one machine may be in the image: each machine generates its own
# SSH host key at first boot, and an empty machine-id makes systemd create a new one at
# first boot (VMs on one network segment would otherwise share a DHCP client identity).
rm -f /etc/ssh/ssh_host_*
: >/etc/machine-id
rm -f /var/lib/dbus/machine-id

# Where the provider puts root's authorized key (by docker cp, a mount, or the kernel
# command line: see README.md); no key is baked in.
install -d -m 0700 /root/.ssh

# Debootstrap's package downloads and lists: ~190 MB nothing on a node reads (apt-get
# update fetches fresh lists when a package is wanted).
apt-get clean
rm -rf /var/lib/apt/lists/*
