#!/usr/bin/env bash
# Build the local base image the tests start containers from (default dvm-test/busybox:latest).
# No registry is reachable here, so the image is a busybox-static rootfs fed to `docker import`.
# Idempotent: does nothing when the image already exists. Talks to the engine in DOCKER_HOST.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/log.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/log.sh"

readonly IMAGE=${DVM_TEST_BASE_IMAGE:-dvm-test/busybox:latest}

command -v docker >/dev/null 2>&1 || die "the docker client is missing; run scripts/docker-engine.sh start first (it installs docker.io)"
timeout 10 docker version >/dev/null 2>&1 ||
  die "no Docker engine answers at ${DOCKER_HOST:-the default socket}; start one with scripts/docker-engine.sh or run through scripts/with-test-env.sh"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "base image $IMAGE already exists"
  exit 0
fi

started=$(now)

# busybox-static, not busybox: the image has no libc, so the binary must be statically linked.
BUSYBOX=/bin/busybox
if ! dpkg -s busybox-static >/dev/null 2>&1; then
  log "busybox-static not installed; installing it"
  apt_install busybox-static
fi
[[ -x $BUSYBOX ]] || die "busybox-static is installed but $BUSYBOX is missing"

work=$(mktemp -d /tmp/dvm-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,dev,proc,sys,home}
chmod 1777 "$rootfs/tmp"
chmod 700 "$rootfs/root"
cp "$BUSYBOX" "$rootfs/bin/busybox"

# One symlink per applet, at the path busybox itself lists (bin/sh, usr/bin/env, sbin/ifconfig...).
applets=0
while read -r applet; do
  [[ -n $applet && $applet != bin/busybox ]] || continue
  mkdir -p "$rootfs/$(dirname "$applet")"
  ln -sf /bin/busybox "$rootfs/$applet"
  applets=$((applets + 1))
done < <("$BUSYBOX" --list-full)
[[ -e $rootfs/bin/sh ]] || die "busybox did not list a shell applet; $BUSYBOX does not look like busybox-static"

cat >"$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$rootfs/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP

tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -c . |
  docker import \
    --change 'CMD ["/bin/sh"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --message "dvm test base image: busybox-static with $applets applets" \
    - "$IMAGE" >/dev/null ||
  die "docker import of $IMAGE failed"
log "base image $IMAGE built ($applets busybox applets) in $(elapsed "$started")"
