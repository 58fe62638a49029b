package main

import (
	"flag"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"
)

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("package", flag.ContinueOnError)
	fs.SetOutput(stderr)
	arch := fs.String("arch", "amd64,arm64", "comma-separated Debian `architectures` (amd64, arm64)")
	version := fs.String("version", "", "version as git describe prints it (default: git describe --tags --always --dirty)")
	opts := options{Now: time.Now()}
	fs.StringVar(&opts.Out, "out", "dist", "output `directory`")
	fs.StringVar(&opts.BinDir, "bin", "bin", "`directory` holding linux-ARCH/ binaries (make cross)")
	fs.StringVar(&opts.Root, "root", ".", "repository `directory`")
	fs.StringVar(&opts.Maintainer, "maintainer", "branchready maintainers <maintainers@branchready.invalid>", "Maintainer field")
	fs.StringVar(&opts.Compression, "compression", "xz", "data compression: xz, gzip, zstd or none")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	describe := *version
	if describe == "" {
		out, err := exec.Command("git", "-C", opts.Root, "describe", "--tags", "--always", "--dirty").Output()
		if err != nil {
			log.Error("git describe failed: pass --version", "err", err)
			return 1
		}
		describe = string(out)
	}
	v, err := debianVersion(describe)
	if err != nil {
		log.Error("version", "err", err)
		return 1
	}
	opts.Version = v
	if _, err := build(log, opts, strings.Split(*arch, ",")); err != nil {
		log.Error("package", "err", err)
		return 1
	}
	return 0
}
