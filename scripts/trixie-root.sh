#!/usr/bin/env bash
# A Debian 13 (trixie) root tree holding libvirt 11.3, for running a second,
# newer libvirt next to the host's (see scripts/libvirtd.sh, VIRTWIRE_LIBVIRTD_ROOT).
#
#   scripts/trixie-root.sh [ROOT]
#
# Creates ROOT once per machine and prints its path. A later call finds the
# stamp file and returns at once. A tree whose stamp names a different package
# list gets the packages installed in place; a tree without a stamp (a run
# that was interrupted) is deleted and built again. A lock serialises
# concurrent calls, so two test runs never build it at once. The tree is built
# from the Debian archive that apt on this machine uses.
#
# Needs root, debootstrap and util-linux (unshare, flock).
#
# Environment:
#   VIRTWIRE_TRIXIE_ROOT    where the tree lives when ROOT is not given
#                           (default /var/cache/virtwire/trixie-libvirt)
#   VIRTWIRE_DEBIAN_MIRROR  Debian archive URL (default: the first .../debian
#                           archive named in /etc/apt/sources.list*)
set -euo pipefail

prog=${0##*/}

die() {
	echo "$prog: $*" >&2
	exit 1
}

root=$(realpath -m -- "${1:-${VIRTWIRE_TRIXIE_ROOT:-/var/cache/virtwire/trixie-libvirt}}")
[[ "$root" =~ ^/[A-Za-z0-9._/-]+$ ]] || die "ROOT must be a path of letters, digits and ._-/ only: '$root'"
[ "$root" != / ] || die "ROOT must not be /"

suite=trixie
# Debian 13 splits libvirtd's drivers into packages that libvirt-daemon only
# recommends; these are the ones the integration tests use on the host's
# libvirt 9.0 (whose libvirt-daemon holds them all): QEMU, network, node
# devices, secrets, storage (qemu-utils for qcow2 volumes). python3-libvirt and
# virsh are the second real client pair (libvirttest's tests run them inside
# the tree); qemu-system-x86 lets the QEMU driver run TCG guests.
packages=(
	libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-driver-network
	libvirt-daemon-driver-nodedev libvirt-daemon-driver-secret libvirt-daemon-driver-storage
	libvirt-clients python3-libvirt qemu-system-x86 qemu-utils
)
# The stamp's first line names the base system, the second the package list.
# A different base means a new tree; a different list, an apt-get install.
base_text="virtwire root v1: debootstrap --variant=minbase $suite"
stamp=$root/.virtwire-stamp

have_tree() {
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$base_text"$'\n'"${packages[*]}" ]
}

have_base() {
	[ -f "$stamp" ] && [ "$(head -n 1 "$stamp")" = "$base_text" ]
}

# install_packages TREE installs the package list in TREE (its apt lists are
# refreshed first: an old tree's lists may name versions the archive dropped)
# and makes sure the libvirt-qemu account exists.
install_packages() {
	cp /etc/resolv.conf "$1/etc/resolv.conf" # the host's resolver, for apt
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m --propagation private /bin/sh -c '
		set -e
		R=$1
		shift
		mount -t proc proc "$R/proc"
		mount --rbind /dev "$R/dev"
		chroot "$R" apt-get update -q
		chroot "$R" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
		chroot "$R" apt-get clean
		# libvirt resolves its compiled-in QEMU user before it reads qemu.conf;
		# the daemon exits at start-up without this account
		# (libvirt-daemon-system, which would create it, is not installed).
		chroot "$R" sh -c "getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu"
		chroot "$R" sh -c "getent passwd libvirt-qemu >/dev/null || useradd --system --gid libvirt-qemu --home-dir /var/lib/libvirt --no-create-home --shell /usr/sbin/nologin libvirt-qemu"
	' sh "$1" "${packages[@]}" >>"$root.build.log" 2>&1 ||
		{
			tail -n 30 "$root.build.log" >&2
			die "installing ${packages[*]} in $1 failed (full log: $root.build.log)"
		}
	chroot "$1" dpkg-query -W libvirt-daemon libvirt-clients python3-libvirt qemu-system-x86 >&2
}

write_stamp() {
	printf '%s\n%s\n' "$base_text" "${packages[*]}" >"$1/.virtwire-stamp"
}

if have_tree; then
	echo "$root"
	exit 0
fi

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap and chroot)"
for c in debootstrap unshare flock chroot; do
	command -v "$c" >/dev/null || die "required command '$c' not found (apt-get install debootstrap util-linux)"
done

# mirror prints the Debian archive URL apt is configured with: from deb822
# "URIs:" lines and one-line "deb URL suite" entries, the first whose path ends
# in /debian (not debian-security, not a third-party repository).
mirror() {
	if [ -n "${VIRTWIRE_DEBIAN_MIRROR:-}" ]; then
		echo "$VIRTWIRE_DEBIAN_MIRROR"
		return
	fi
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		sed -n -e 's/^[[:space:]]*URIs:[[:space:]]*//p' \
			-e 's/^[[:space:]]*deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\).*/\2/p' "$f" |
			tr ' ' '\n'
	done | grep -E '^https?://[^ ]*/debian/?$' | head -n 1
}

mkdir -p "$(dirname "$root")"
exec 9>"$root.lock"
if ! flock -n 9; then
	echo "$prog: another run is building $root, waiting for it" >&2
	flock 9
fi
# The run holding the lock before us may have finished the tree.
if have_tree; then
	echo "$root"
	exit 0
fi

t0=$(date +%s)
if have_base; then
	echo "$prog: installing ${packages[*]} in $root" >&2
	: >"$root.build.log"
	# Without a stamp an interrupted install is seen as a half-made tree.
	rm -f "$stamp"
	install_packages "$root"
	write_stamp "$root"
	echo "$prog: $root updated in $(($(date +%s) - t0)) s" >&2
	echo "$root"
	exit 0
fi

url=$(mirror)
[ -n "$url" ] || die "no Debian archive found in /etc/apt/sources.list*; set VIRTWIRE_DEBIAN_MIRROR"

build=$root.build
# --one-file-system: never follow a mount left inside a half-made tree.
rm -rf --one-file-system "$build" "$root"
echo "$prog: creating $root (debootstrap $suite from $url, then ${packages[*]})" >&2

# Everything that mounts (debootstrap mounts proc and sys in the target) runs
# in a private mount namespace, so an interrupted build leaves no mounts behind.
unshare -m --propagation private debootstrap --variant=minbase "$suite" "$build" "$url" >"$root.build.log" 2>&1 ||
	{
		tail -n 30 "$root.build.log" >&2
		die "debootstrap failed (full log: $root.build.log)"
	}

# No service may start inside the tree while packages are installed.
printf '#!/bin/sh\nexit 101\n' >"$build/usr/sbin/policy-rc.d"
chmod +x "$build/usr/sbin/policy-rc.d"
install_packages "$build"
write_stamp "$build"
mv "$build" "$root"
echo "$prog: $root ready in $(($(date +%s) - t0)) s" >&2
echo "$root"
