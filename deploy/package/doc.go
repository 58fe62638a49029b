// Command package builds the Debian packages of the agent and the collector
// (branchready-agent_VERSION_ARCH.deb, branchready-collector_VERSION_ARCH.deb)
// with nfpm as a library, from the binaries `make cross` leaves in
// bin/linux-ARCH/:
//
//	go run ./deploy/package --arch amd64,arm64 --version "$(git describe --tags --always --dirty)" --out dist/
//
// (`make package` runs it.) Each package holds the binary in /usr/bin, the
// hardened unit of deploy/systemd/ in /usr/lib/systemd/system (its ExecStart
// pointed at /usr/bin), an example configuration in /etc/branchready/ as a
// conffile, the JSON Schemas and examples under /usr/share/branchready/ and
// the docs under /usr/share/doc/NAME/.
//
// The maintainer scripts (scripts/*.tmpl) create the collector's system user
// before its files are unpacked, reload systemd only where systemd runs,
// never start a service on a first install (the example configuration is
// not a working one: the postinst says what to do), restart a running
// service on upgrade, stop it on remove, and delete the user, the state
// directory and the secrets the unit loads on purge only.
package main
