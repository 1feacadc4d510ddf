package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// epoch is every file's modification time: the same sources give the same
// layer digests, whenever and wherever they are built.
var epoch = time.Unix(0, 0).UTC()

// file is one regular file or directory in a layer.
type file struct {
	dest string // absolute path in the image
	src  string // local path; empty for a directory
	mode fs.FileMode
}

// resolver maps a COPY source to local paths: the build context, or, for
// --from=<stage>, the files given with -stage-file.
type resolver struct {
	context    string
	stageFiles map[string]string // "stage:/path" -> local path
}

func (r resolver) local(step copyStep, src string) (string, error) {
	if step.from == "" {
		return filepath.Join(r.context, filepath.FromSlash(src)), nil
	}
	key := step.from + ":" + src
	p, ok := r.stageFiles[key]
	if !ok {
		return "", fmt.Errorf("%q copies %s from stage %s: pass it with -stage-file %s=<local path>", step.line, src, step.from, key)
	}
	return p, nil
}

// copyFiles lists what one COPY puts into the image, with Docker's rules: a
// directory's contents go under dest; a file goes to dest, or into it when
// dest ends in "/" or there are several sources.
func (r resolver) copyFiles(step copyStep) ([]file, error) {
	var out []file
	intoDir := strings.HasSuffix(step.dest, "/") || len(step.sources) > 1
	for _, src := range step.sources {
		local, err := r.local(step, src)
		if err != nil {
			return nil, err
		}
		info, err := os.Stat(local)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", step.line, err)
		}
		if !info.IsDir() {
			dest := step.dest
			if intoDir {
				dest = path.Join(step.dest, path.Base(src))
			}
			out = append(out, file{dest: path.Clean(dest), src: local, mode: info.Mode().Perm()})
			continue
		}
		err = filepath.WalkDir(local, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(local, p)
			dest := path.Join(step.dest, filepath.ToSlash(rel))
			info, err := d.Info()
			if err != nil {
				return err
			}
			switch {
			case d.IsDir():
				out = append(out, file{dest: dest, mode: fs.ModeDir | info.Mode().Perm()})
			case info.Mode().IsRegular():
				out = append(out, file{dest: dest, src: p, mode: info.Mode().Perm()})
			default:
				return fmt.Errorf("%s: only regular files and directories can be copied", p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%q: %w", step.line, err)
		}
	}
	return out, nil
}

// layer writes files, and the parent directories they need, as one
// uncompressed tar owned by root, then wraps it as an OCI layer.
func layer(files []file) (v1.Layer, error) {
	entries := map[string]file{}
	for _, f := range files {
		for dir := path.Dir(f.dest); dir != "/" && dir != "."; dir = path.Dir(dir) {
			if _, ok := entries[dir]; !ok {
				entries[dir] = file{dest: dir, mode: fs.ModeDir | 0o755}
			}
		}
		entries[f.dest] = f
	}
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		if err := writeEntry(tw, entries[n]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

func writeEntry(tw *tar.Writer, f file) error {
	name := strings.TrimPrefix(f.dest, "/")
	hdr := &tar.Header{Name: name, Mode: int64(f.mode.Perm()), ModTime: epoch, Format: tar.FormatPAX}
	if f.mode.IsDir() {
		hdr.Typeflag, hdr.Name = tar.TypeDir, name+"/"
		return tw.WriteHeader(hdr)
	}
	data, err := os.ReadFile(f.src)
	if err != nil {
		return err
	}
	hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(data))
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err = tw.Write(data)
	return err
}
