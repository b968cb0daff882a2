#!/usr/bin/env bats
# hoist as installed: `cmake --install --prefix` and the .deb cpack makes from the
# build tree. The package goes into a root of its own under $TESTDIR (dpkg --root), so
# the test cannot touch the machine's packages; the installed binaries must find their
# helpers there, run containers, and leave nothing once the package is removed.

load helpers

setup() {
    hoist_setup
    import_busybox
}

# Run the hoist installed in $1 (a prefix) with the test's state directories.
ihoist() {
    local prefix=$1
    shift
    "$prefix/bin/hoist" --root "$ROOT" --runroot "$RUNROOT" --cgroup-parent "$CGPARENT" "$@"
}

# The path of a running container's monitor, the parent of its init.
monitor_exe() {
    local pid
    pid=$(ihoist "$1" container inspect -f '{{.State.Pid}}' "$2")
    readlink "/proc/$(awk '{ print $4 }' "/proc/$pid/stat")/exe"
}

@test "package: cmake --install --prefix puts hoist in bin/ and its helpers in libexec/hoist/" {
    local p=$TESTDIR/prefix
    cmake --install "$HOIST_BUILD_DIR" --prefix "$p" >/dev/null
    [ -x "$p/bin/hoist" ]
    for h in hoist-image hoist-monitor hoist-dns; do
        [ -x "$p/libexec/hoist/$h" ]
    done
    run ihoist "$p" version
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    run ihoist "$p" container run --rm busybox echo installed
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$output" = "installed" ]
    # The monitor is the prefix's own, not one of an install elsewhere on the machine.
    ihoist "$p" container run -d --name c1 busybox sleep 60 >/dev/null
    [ "$(monitor_exe "$p" c1)" = "$p/libexec/hoist/hoist-monitor" ]
    ihoist "$p" container rm -f c1 >/dev/null
}

@test "package: the .deb declares its libraries, installs, runs containers and removes cleanly" {
    local pkgdir=$TESTDIR/pkg root=$TESTDIR/dpkgroot
    cpack --config "$HOIST_BUILD_DIR/CPackConfig.cmake" -G DEB -B "$pkgdir" >/dev/null
    local deb
    deb=$(echo "$pkgdir"/hoist_*.deb)
    [ -f "$deb" ]

    # Every shared library the binaries load is in a package the .deb depends on; a
    # library opened with dlopen (libnftables) is declared by hand.
    local depends
    depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | awk '{ print $1 }')
    echo "Depends: $depends"
    echo "$depends" | grep -qx libnftables1
    local dir=$pkgdir/contents
    dpkg-deb -x "$deb" "$dir"
    for f in "$dir"/usr/bin/hoist "$dir"/usr/libexec/hoist/*; do
        for lib in $(objdump -p "$f" | awk '$1 == "NEEDED" { print $2 }'); do
            local path pkg
            path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64|64bit/ { print $NF; exit }')
            [ -n "$path" ] || path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
            # Debian 12 merges /lib into /usr/lib; dpkg knows a file by its shipped path.
            path=$(readlink -f "$path")
            pkg=$({ dpkg -S "$path" || dpkg -S "${path#/usr}"; } 2>/dev/null | head -1 | cut -d: -f1)
            echo "$depends" | grep -qx "$pkg" || { echo "$f: $lib ($pkg) not in Depends"; false; }
        done
    done
    # What the package depends on is installed here, so forcing past the empty database
    # of the fresh root skips no real problem.
    for pkg in $depends; do
        dpkg-query -W -f '${Status}' "$pkg" | grep -q "ok installed"
    done

    mkdir -p "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/info"
    touch "$root/var/lib/dpkg/status"
    local dpkg=(dpkg --root="$root" --log="$TESTDIR/dpkg.log" --force-depends)
    run "${dpkg[@]}" -i "$deb"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Status}' hoist)" = "install ok installed" ]
    [ -x "$root/usr/bin/hoist" ]
    for h in hoist-image hoist-monitor hoist-dns; do
        [ -x "$root/usr/libexec/hoist/$h" ]
    done

    run ihoist "$root/usr" version
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *"$(dpkg-deb -f "$deb" Version)"* ]]
    # An image through hoist-image, a container through hoist-monitor, and a name
    # resolved by hoist-dns: each helper the package's own, not one found elsewhere.
    ihoist "$root/usr" image import "$BUSYBOX_TAR" pkg/busybox:latest >/dev/null
    ihoist "$root/usr" network create --subnet 10.93.0.0/24 front >/dev/null
    ihoist "$root/usr" container run -d --name web --network front pkg/busybox sleep 60 >/dev/null
    [ "$(monitor_exe "$root/usr" web)" = "$root/usr/libexec/hoist/hoist-monitor" ]
    run ihoist "$root/usr" container run --rm --network front pkg/busybox nslookup web
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *"Address: 10.93.0."* ]]
    ihoist "$root/usr" container rm -f web >/dev/null
    ihoist "$root/usr" network rm front >/dev/null
    ihoist "$root/usr" image rm pkg/busybox:latest >/dev/null

    run "${dpkg[@]}" --purge hoist
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    run dpkg-query --admindir="$root/var/lib/dpkg" -W hoist
    [ "$status" -ne 0 ]
    # Nothing but dpkg's own database is left in the root.
    run find "$root" -path "$root/var/lib/dpkg" -prune -o ! -type d -print
    [ -z "$output" ] || { echo "left: $output"; false; }
    [ ! -e "$root/usr/bin/hoist" ] && [ ! -e "$root/usr/libexec/hoist" ]
}
