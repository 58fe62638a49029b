package main

import (
	"bytes"
	"embed"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"text/template"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
)

//go:embed scripts/*.tmpl
var scriptFS embed.FS

var scriptTemplates = template.Must(template.ParseFS(scriptFS, "scripts/*.tmpl"))

// options say where the inputs are and how the packages are stamped.
type options struct {
	Root        string // the repository
	BinDir      string // holds linux-<arch>/<binary>, as make cross leaves them
	Out         string // where the .deb files go
	Version     string // a Debian version (debianVersion)
	Maintainer  string
	Compression string    // nfpm's deb compression: xz, gzip, zstd, none
	Now         time.Time // the packages' time stamp when SOURCE_DATE_EPOCH is unset
}

// build writes one .deb per spec and architecture into opts.Out and
// returns their paths.
func build(log *slog.Logger, opts options, arches []string) ([]string, error) {
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	var built []string
	for _, arch := range arches {
		for _, s := range specs() {
			p, err := buildOne(opts, s, arch)
			if err != nil {
				return built, fmt.Errorf("%s %s: %w", s.Name, arch, err)
			}
			if fi, err := os.Stat(p); err == nil {
				log.Info("built", "package", p, "bytes", fi.Size())
			}
			built = append(built, p)
		}
	}
	return built, nil
}

func buildOne(opts options, s spec, arch string) (string, error) {
	stage, err := os.MkdirTemp("", "branchready-deb-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(stage)
	info, err := packageInfo(opts, s, arch, stage)
	if err != nil {
		return "", err
	}
	if err := nfpm.Validate(info); err != nil {
		return "", fmt.Errorf("nfpm: %w", err)
	}
	name := deb.Default.ConventionalFileName(info)
	out := filepath.Join(opts.Out, name)
	f, err := os.Create(out)
	if err != nil {
		return "", err
	}
	if err := deb.Default.Package(info, f); err != nil {
		f.Close()
		os.Remove(out)
		return "", fmt.Errorf("nfpm: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return out, nil
}

// packageInfo describes the package to nfpm. The files that differ from the
// repository's (the unit, the conffile, the scripts) are written to stage.
func packageInfo(opts options, s spec, arch, stage string) (*nfpm.Info, error) {
	bin := filepath.Join(opts.BinDir, "linux-"+arch, s.Name)
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("binary (make cross builds it): %w", err)
	}
	unit, err := packagedUnit(opts.Root, s)
	if err != nil {
		return nil, err
	}
	example, err := os.ReadFile(filepath.Join(opts.Root, s.Conffile.Source))
	if err != nil {
		return nil, fmt.Errorf("example configuration: %w", err)
	}
	conf, err := applyRewrites(string(example), s.Conffile.Rewrites)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Conffile.Source, err)
	}
	mtime := modtimeOf(opts)
	changelog, err := gzipped(debianChangelog(s.Name, opts, mtime))
	if err != nil {
		return nil, err
	}
	staged := map[string]string{"unit": unit, "conffile": conf, "changelog.gz": changelog}
	for name, text := range staged {
		if err := os.WriteFile(filepath.Join(stage, name), []byte(text), 0o644); err != nil {
			return nil, err
		}
	}
	scripts, err := writeScripts(stage, s, credentials(unit))
	if err != nil {
		return nil, err
	}
	contents := contentsOf(opts, s, bin, stage)
	info := &nfpm.Info{
		Name: s.Name, Arch: arch, Platform: "linux",
		Version: opts.Version, VersionSchema: "none", // already a Debian version
		Section: "admin", Priority: "optional",
		Maintainer:  opts.Maintainer,
		Description: s.Summary + "\n" + s.Description,
		Vendor:      "branchready",
		Homepage:    "https://github.com/branchready/branchready",
		MTime:       mtime,
		Overridables: nfpm.Overridables{
			Suggests: s.Suggests,
			Contents: contents,
			Scripts:  scripts,
			Deb:      nfpm.Deb{Predepends: s.PreDepends, Compression: opts.Compression},
		},
	}
	return nfpm.WithDefaults(info), nil
}

// contentsOf lists the package's files: the binary, the staged unit and
// conffile, the directories of its own, the shared configs and the docs.
func contentsOf(opts options, s spec, bin, stage string) files.Contents {
	contents := files.Contents{
		file(bin, "/usr/bin/"+s.Name, 0o755),
		file(filepath.Join(stage, "unit"), "/usr/lib/systemd/system/"+s.Unit, 0o644),
		{Source: filepath.Join(stage, "conffile"), Destination: s.Conffile.Dest, Type: files.TypeConfig,
			FileInfo: &files.ContentFileInfo{Mode: s.Conffile.Mode, Owner: "root", Group: groupOr(s.Conffile.Group)}},
	}
	// Said explicitly, or nfpm gives /etc/branchready the conffile's group.
	dirs := append([]directory{{path.Dir(s.Conffile.Dest), 0o755}}, s.Dirs...)
	for _, d := range dirs {
		contents = append(contents, &files.Content{Destination: d.Path, Type: files.TypeDir,
			FileInfo: &files.ContentFileInfo{Mode: d.Mode, Owner: "root", Group: "root"}})
	}
	for _, p := range s.Share {
		contents = append(contents, file(filepath.Join(opts.Root, "configs", p), path.Join(shareDir, p), 0o644))
	}
	contents = append(contents, file(filepath.Join(stage, "changelog.gz"), path.Join("/usr/share/doc", s.Name, "changelog.gz"), 0o644))
	for _, p := range s.Docs {
		contents = append(contents, file(filepath.Join(opts.Root, p), path.Join("/usr/share/doc", s.Name, path.Base(p)), 0o644))
	}
	return contents
}

func file(src, dst string, mode os.FileMode) *files.Content {
	return &files.Content{Source: src, Destination: dst, Type: files.TypeFile,
		FileInfo: &files.ContentFileInfo{Mode: mode, Owner: "root", Group: "root"}}
}

func groupOr(g string) string {
	if g == "" {
		return "root"
	}
	return g
}

// scriptData is what the maintainer script templates see.
type scriptData struct {
	spec
	Config   string   // the conffile
	Validate string   // the command that checks it
	Secrets  []string // the files the unit loads as credentials
}

// writeScripts renders the maintainer scripts into stage; preinst only
// where there is a user to make.
func writeScripts(stage string, s spec, secrets []string) (nfpm.Scripts, error) {
	d := scriptData{spec: s, Config: s.Conffile.Dest, Secrets: secrets,
		Validate: s.Name + " validate -c " + s.Conffile.Dest}
	var sc nfpm.Scripts
	targets := map[string]*string{"postinst": &sc.PostInstall, "prerm": &sc.PreRemove, "postrm": &sc.PostRemove}
	if s.User != "" {
		targets["preinst"] = &sc.PreInstall
	}
	for name, target := range targets {
		var b bytes.Buffer
		if err := scriptTemplates.ExecuteTemplate(&b, name+".tmpl", d); err != nil {
			return sc, fmt.Errorf("%s: %w", name, err)
		}
		p := filepath.Join(stage, name)
		if err := os.WriteFile(p, b.Bytes(), 0o755); err != nil {
			return sc, err
		}
		*target = p
	}
	return sc, nil
}
