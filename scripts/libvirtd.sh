#!/usr/bin/env bash
# Private root libvirtd for virtwire's integration tests.
#
#   scripts/libvirtd.sh start   DIR   start a daemon whose whole state lives in DIR
#   scripts/libvirtd.sh stop    DIR   destroy its guests and stop it (idempotent)
#   scripts/libvirtd.sh restart DIR   stop the daemon (or accept that it was
#                                     killed) and start it again on the same
#                                     TCP port; running guests are kept
#
# The daemon runs in its own mount namespace, so it never shares sockets, pid
# files or driver state with a system libvirtd on the same machine. It listens on
# unix sockets in DIR/run and on plain TCP (auth none) on 127.0.0.1 with a port
# picked at start time. After a successful start DIR/env holds KEY=VALUE lines
# (VIRTWIRE_TEST_SOCKET, VIRTWIRE_TEST_TCP, VIRTWIRE_TEST_PIDFILE,
# VIRTWIRE_TEST_STATE, and VIRTWIRE_TEST_ROOT for a daemon run from a root
# tree) that can be sourced with `set -a; . DIR/env; set +a`.
#
# Needs root, libvirt-daemon, libvirt-clients, qemu-system-x86, iproute2 (ss)
# and util-linux (unshare, setsid).
#
# Optional environment:
#   VIRTWIRE_LIBVIRTD_LOG_LEVEL  libvirtd log level for DIR/libvirtd.log
#                                (1 debug .. 4 error; default 3)
#   VIRTWIRE_LIBVIRTD_ROOT       run the libvirtd of this root tree (chrooted)
#                                instead of the host's, e.g. the libvirt 11.3
#                                tree scripts/trixie-root.sh makes. Read at
#                                start and remembered in DIR/root, so stop and
#                                restart need not be told again. DIR is mounted
#                                at the same path inside the tree, so every
#                                path (sockets, pid file, guest images) means
#                                the same inside and outside.
#   VIRTWIRE_LIBVIRTD_HOST_UUID  host_uuid for libvirtd.conf (default: the
#                                machine's SMBIOS UUID). Two daemons on one
#                                machine need different ones for libvirt to
#                                migrate guests between them. Read at start
#                                and remembered in DIR/host_uuid.
set -euo pipefail

prog=${0##*/}

die() {
	echo "$prog: $*" >&2
	exit 1
}

usage() {
	echo "usage: $prog start|stop|restart DIR" >&2
	exit 2
}

now_ms() {
	date +%s%3N
}

# cmdline_of PID prints the process's argv joined by spaces (empty if gone).
cmdline_of() {
	{ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null || true
}

# daemon_pid prints the pid from DIR/libvirtd.pid if that process is alive and
# really is the libvirtd started with DIR's config; prints nothing otherwise.
daemon_pid() {
	local pid
	[ -r "$dir/libvirtd.pid" ] || return 0
	pid=$(tr -dc '0-9' <"$dir/libvirtd.pid")
	[ -n "$pid" ] || return 0
	case "$(cmdline_of "$pid")" in
	*libvirtd*" -f $dir/libvirtd.conf "*) echo "$pid" ;;
	esac
}

sock_uri() {
	echo "$1+unix:///$2?socket=$dir/run/libvirt-sock"
}

log_tail() {
	local f
	for f in "$dir/stdout.log" "$dir/libvirtd.log"; do
		if [ -s "$f" ]; then
			echo "----- last lines of $f -----" >&2
			tail -n 30 "$f" >&2
		fi
	done
}

# ports_in_use prints every TCP port something listens on, one per line.
ports_in_use() {
	ss -ltnH | awk '{ n = split($4, a, ":"); print a[n] }'
}

port_is_free() {
	! ports_in_use | grep -qx "$1"
}

# pick_port prints a free TCP port below the ephemeral range, starting from a
# random offset so that daemons started at the same time rarely pick the same.
pick_port() {
	local used port i
	used=$(ports_in_use | sort -u)
	port=$((20000 + RANDOM % 10000))
	for ((i = 0; i < 10000; i++)); do
		if ! grep -qx "$port" <<<"$used"; then
			echo "$port"
			return 0
		fi
		port=$((port + 1))
		((port < 30000)) || port=20000
	done
	die "no free TCP port found in 20000-29999"
}

ensure_qemu_user() {
	[ -z "$root" ] || return 0 # the tree has its own account (scripts/trixie-root.sh)
	# libvirt 9.0 resolves its compiled-in default user libvirt-qemu before it
	# reads qemu.conf; if the account is missing the whole daemon exits.
	getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
	getent passwd libvirt-qemu >/dev/null ||
		useradd --system --gid libvirt-qemu --home-dir /var/lib/libvirt \
			--no-create-home --shell /usr/sbin/nologin libvirt-qemu
}

check_prerequisites() {
	local c
	[ "$(id -u)" = 0 ] || die "must run as root (the daemon binds over /run and /etc/libvirt in its namespace)"
	for c in libvirtd virsh ss unshare setsid timeout; do
		command -v "$c" >/dev/null || die "required command '$c' not found"
	done
	unshare -m --propagation private true 2>/dev/null ||
		die "cannot create a private mount namespace (unshare -m failed): a container needs CAP_SYS_ADMIN; in a chroot run 'mount --bind ROOT ROOT' first"
	if [ -n "$root" ]; then
		command -v chroot >/dev/null || die "required command 'chroot' not found"
		[ -x "$root/usr/sbin/libvirtd" ] || die "$root/usr/sbin/libvirtd not found (make the tree with scripts/trixie-root.sh)"
	fi
}

write_configs() {
	local port=$1
	mkdir -p "$dir/run" "$dir/etc" "$dir/lib" "$dir/cache" "$dir/log" "$dir/varrun"
	cat >"$dir/etc/qemu.conf" <<'EOF'
# QEMU driver settings for a throwaway CI daemon (written by scripts/libvirtd.sh).
# Guests run as root without confinement, cgroups or per-guest /dev namespaces,
# and qemu's stdout/stderr go to plain files, so no virtlogd is needed.
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
stdio_handler = "file"
cgroup_controllers = [ ]
namespaces = [ ]
vnc_listen = "127.0.0.1"
spice_listen = "127.0.0.1"
EOF
	cat >"$dir/libvirtd.conf" <<EOF
# libvirtd settings for a throwaway CI daemon (written by scripts/libvirtd.sh).
unix_sock_dir = "$dir/run"
unix_sock_group = "root"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0770"
unix_sock_admin_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"

# Plain TCP without authentication, loopback only. TLS stays off.
listen_tcp = 1
listen_tls = 0
listen_addr = "127.0.0.1"
tcp_port = "$port"
auth_tcp = "none"

# Drop a client after 5 unanswered keepalive probes sent 5 s apart.
keepalive_interval = 5
keepalive_count = 5

log_outputs = "${VIRTWIRE_LIBVIRTD_LOG_LEVEL:-3}:file:$dir/libvirtd.log"
EOF
	[ -z "$host_uuid" ] || echo "host_uuid = \"$host_uuid\"" >>"$dir/libvirtd.conf"
}

# launch starts libvirtd detached in a private mount namespace. Inside it,
# DIR/varrun replaces /run (a directory, not a tmpfs, so running-guest status
# survives a daemon restart) and DIR/{etc,lib,cache,log} replace libvirt's
# directories under /etc and /var. With a root tree the same is done inside the
# tree, which also gets /proc, /dev, /sys, the host's /tmp and DIR at its own
# path, and libvirtd is exec'ed through chroot (so $! stays libvirtd's pid).
launch() {
	: >"$dir/stdout.log"
	# shellcheck disable=SC2016 # expanded by the inner shell
	setsid unshare -m --propagation private /bin/sh -c '
		set -e
		D=$1 R=$2
		if [ -n "$R" ]; then
			mount -t proc proc "$R/proc"
			mount --rbind /dev "$R/dev"
			mount --rbind /sys "$R/sys"
			# The host /tmp: guest images that tests write to temporary
			# directories have the same path for the daemon. DIR elsewhere is
			# mounted at its own path (an empty mount point is left in the tree).
			mount --rbind /tmp "$R/tmp"
			case "$D" in
			/tmp/*) ;;
			*)
				mkdir -p "$R$D"
				mount --bind "$D" "$R$D"
				;;
			esac
		fi
		mount --bind "$D/varrun" "$R/run"
		mkdir -p "$R/run/lock" "$R/run/libvirt"
		mkdir -p "$R/etc/libvirt" "$R/var/lib/libvirt" "$R/var/cache/libvirt" "$R/var/log/libvirt"
		mount --bind "$D/etc" "$R/etc/libvirt"
		mount --bind "$D/lib" "$R/var/lib/libvirt"
		mount --bind "$D/cache" "$R/var/cache/libvirt"
		mount --bind "$D/log" "$R/var/log/libvirt"
		if [ -n "$R" ]; then
			exec chroot "$R" /usr/sbin/libvirtd -f "$D/libvirtd.conf" -p "$D/libvirtd.pid" --listen
		fi
		exec libvirtd -f "$D/libvirtd.conf" -p "$D/libvirtd.pid" --listen
	' sh "$dir" "$root" </dev/null >>"$dir/stdout.log" 2>&1 &
	launched_pid=$!
}

# wait_ready waits until the unix socket answers. Returns 1 if the daemon died
# on the way, 2 if it is still silent after about 20 s.
wait_ready() {
	local i
	for ((i = 0; i < 400; i++)); do
		if timeout 5 virsh -q -c "$(sock_uri test default)" version >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$launched_pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 2
}

do_start() {
	local want_port=${1:-} port attempt t0 t1 t2 rc pid
	check_prerequisites
	pid=$(daemon_pid)
	[ -z "$pid" ] || die "a libvirtd for $dir is already running (pid $pid)"
	ensure_qemu_user
	t0=$(now_ms)
	for ((attempt = 1; attempt <= 5; attempt++)); do
		if [ -n "$want_port" ]; then
			port=$want_port
			port_is_free "$port" || die "TCP port $port (kept from the previous start) is taken by another process"
		else
			port=$(pick_port)
		fi
		write_configs "$port"
		rm -f "$dir/env" "$dir/libvirtd.pid"
		: >"$dir/libvirtd.log"
		launch
		rc=0
		wait_ready || rc=$?
		[ "$rc" = 0 ] && break
		if [ "$rc" = 1 ] && [ -z "$want_port" ] && grep -q 'Address already in use' "$dir/libvirtd.log" "$dir/stdout.log" 2>/dev/null; then
			echo "$prog: port $port was taken meanwhile, picking another" >&2
			continue
		fi
		log_tail
		kill -KILL "$launched_pid" 2>/dev/null || true
		if [ "$rc" = 1 ]; then
			die "libvirtd for $dir exited during start-up (log tail above)"
		fi
		die "libvirtd for $dir did not answer on $dir/run/libvirt-sock within 20 s (log tail above)"
	done
	[ "$rc" = 0 ] || die "could not find a usable TCP port after 5 attempts"
	t1=$(now_ms)

	# Prove the TCP listener, then warm the QEMU capabilities cache: the first
	# qemu call in a fresh DIR probes the emulators and takes several seconds.
	if ! timeout 30 virsh -q -c "test+tcp://127.0.0.1:$port/default" version >/dev/null 2>"$dir/tcp-check.err"; then
		cat "$dir/tcp-check.err" >&2
		log_tail
		do_stop
		die "libvirtd for $dir does not answer on 127.0.0.1:$port"
	fi
	if ! timeout 120 virsh -q -c "$(sock_uri qemu system)" version >/dev/null 2>"$dir/warmup.err"; then
		cat "$dir/warmup.err" >&2
		log_tail
		do_stop
		die "the QEMU driver of libvirtd for $dir does not answer (is qemu-system-x86 installed?)"
	fi
	t2=$(now_ms)
	rm -f "$dir/tcp-check.err" "$dir/warmup.err"

	cat >"$dir/env" <<EOF
VIRTWIRE_TEST_SOCKET=$dir/run/libvirt-sock
VIRTWIRE_TEST_TCP=127.0.0.1:$port
VIRTWIRE_TEST_PIDFILE=$dir/libvirtd.pid
VIRTWIRE_TEST_STATE=$dir
EOF
	[ -z "$root" ] || echo "VIRTWIRE_TEST_ROOT=$root" >>"$dir/env"
	printf '%s: libvirtd%s pid %s, socket %s, tcp 127.0.0.1:%s (ready in %d ms, qemu warm-up %d ms)\n' \
		"$prog" "${root:+ of $root}" "$(cat "$dir/libvirtd.pid")" "$dir/run/libvirt-sock" "$port" $((t1 - t0)) $((t2 - t1))
}

# destroy_guests asks the daemon to destroy every running QEMU guest (qemu
# processes outlive libvirtd).
destroy_guests() {
	local uri names name
	uri=$(sock_uri qemu system)
	names=$(timeout 30 virsh -q -c "$uri" list --name 2>/dev/null) || return 0
	for name in $names; do
		timeout 30 virsh -q -c "$uri" destroy "$name" >/dev/null 2>&1 ||
			echo "$prog: could not destroy guest $name" >&2
	done
}

# holds_file PID FILE succeeds if PID has FILE open (same device and inode).
holds_file() {
	local want fd
	want=$(stat -L -c '%d:%i' "$2" 2>/dev/null) || return 1
	for fd in /proc/"$1"/fd/*; do
		[ "$(stat -L -c '%d:%i' "$fd" 2>/dev/null)" = "$want" ] && return 0
	done
	return 1
}

# kill_leftover_qemu kills qemu processes started by this DIR's daemon that
# survived it. A pid is trusted only if that process is a qemu-system binary and
# still holds its pid file in DIR open (qemu keeps the file open and locked for
# its whole life), so a recycled pid is never hit.
kill_leftover_qemu() {
	local f pid i
	for f in "$dir"/varrun/libvirt/qemu/*.pid; do
		[ -e "$f" ] || continue
		pid=$(tr -dc '0-9' <"$f" 2>/dev/null || true)
		[ -n "$pid" ] || continue
		case "$(readlink "/proc/$pid/exe" 2>/dev/null)" in
		*qemu-system*) ;;
		*) continue ;;
		esac
		holds_file "$pid" "$f" || continue
		echo "$prog: killing leftover qemu pid $pid ($f)" >&2
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
}

# do_stop [keep-guests] stops the daemon by the pid in its pid file. Unless
# keep-guests is given, running guests are destroyed first and qemu processes
# left behind by an earlier crash of the daemon are killed.
do_stop() {
	local keep=${1:-} pid i
	[ -d "$dir" ] || return 0
	pid=$(daemon_pid)
	if [ -n "$pid" ]; then
		[ -n "$keep" ] || destroy_guests
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 150; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "$prog: libvirtd pid $pid ignored SIGTERM for 15 s, sending SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null || true
			for ((i = 0; i < 50; i++)); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -0 "$pid" 2>/dev/null && die "libvirtd pid $pid is still alive after SIGKILL"
		fi
	fi
	[ -n "$keep" ] || kill_leftover_qemu
	rm -f "$dir/libvirtd.pid"
}

# do_restart stops the daemon (or notices that it was killed) and starts it
# again on the same TCP port. Guests keep running: their status lives in
# DIR/varrun, so the new daemon takes them over.
do_restart() {
	local port=""
	if [ -r "$dir/env" ]; then
		port=$(sed -n 's/^VIRTWIRE_TEST_TCP=127\.0\.0\.1://p' "$dir/env")
	fi
	do_stop keep-guests
	do_start "$port"
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$(realpath -m -- "$2")
# DIR ends up unquoted in DIR/env and in libvirt URIs; keep it simple.
[[ "$dir" =~ ^/[A-Za-z0-9._/-]+$ ]] || die "DIR must be a path of letters, digits and ._-/ only: '$2'"
# unix socket paths are limited to 107 bytes; the longest is DIR/run/libvirt-admin-sock
((${#dir} + 23 <= 107)) || die "DIR is too long for unix socket paths: $dir"

# root: the tree whose libvirtd runs (empty: the host's). start takes it from
# the environment and records it; stop and restart use the recorded one.
root=""
if [ "$cmd" = start ]; then
	if [ -n "${VIRTWIRE_LIBVIRTD_ROOT:-}" ]; then
		root=$(realpath -e -- "$VIRTWIRE_LIBVIRTD_ROOT") || die "VIRTWIRE_LIBVIRTD_ROOT=$VIRTWIRE_LIBVIRTD_ROOT does not exist"
		[[ "$root" =~ ^/[A-Za-z0-9._/-]+$ ]] && [ "$root" != / ] || die "VIRTWIRE_LIBVIRTD_ROOT must be a path of letters, digits and ._-/ only: '$root'"
	fi
elif [ -r "$dir/root" ]; then
	root=$(cat "$dir/root")
fi

# host_uuid: libvirtd's host UUID (empty: the machine's), taken and recorded
# like root.
host_uuid=""
if [ "$cmd" = start ]; then
	host_uuid=${VIRTWIRE_LIBVIRTD_HOST_UUID:-}
	[ -z "$host_uuid" ] || [[ "$host_uuid" =~ ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ ]] ||
		die "VIRTWIRE_LIBVIRTD_HOST_UUID must be a UUID like 8f3c2a1e-0b4d-4e6f-9a7b-1c2d3e4f5a6b: '$host_uuid'"
elif [ -r "$dir/host_uuid" ]; then
	host_uuid=$(cat "$dir/host_uuid")
fi

case "$cmd" in
start)
	mkdir -p "$dir"
	if [ -n "$root" ]; then echo "$root" >"$dir/root"; else rm -f "$dir/root"; fi
	if [ -n "$host_uuid" ]; then echo "$host_uuid" >"$dir/host_uuid"; else rm -f "$dir/host_uuid"; fi
	do_start
	;;
stop) do_stop ;;
restart)
	mkdir -p "$dir"
	do_restart
	;;
*) usage ;;
esac
