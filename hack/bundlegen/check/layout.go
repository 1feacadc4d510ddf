package check

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/util/yaml"
)

// Size limits: OLM unpacks a bundle into a ConfigMap, which must stay under
// 1 MiB after gzip and base64; a single manifest over 1 MiB cannot be stored
// even so.
const (
	maxCompressedBundle = 1 << 20
	maxManifest         = 1 << 20
)

// layout checks the folder: manifests/ holds plain files only, no folders
// or dot-files, and one object per file, because OLM's loader reads only the
// first YAML document of each file; plus the size budget.
func layout(r *Report, dir string) error {
	entries, err := os.ReadDir(filepath.Join(dir, "manifests"))
	if err != nil {
		return fmt.Errorf("reading %s/manifests: %w", dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.IsDir():
			r.add(Error, "layout", "manifests/%s is a folder; the manifests folder must be flat", name)
		case strings.HasPrefix(name, "."):
			r.add(Error, "layout", "manifests/%s is a hidden file", name)
		default:
			if err := oneObject(r, filepath.Join(dir, "manifests", name)); err != nil {
				return err
			}
		}
	}
	return bundleSize(r, dir)
}

func oneObject(r *Report, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) >= maxManifest {
		r.add(Error, "size", "%s is %d bytes, over the %d a cluster stores", filepath.Base(path), len(data), maxManifest)
	}
	docs := 0
	rd := yaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			r.add(Error, "one-object-per-file", "%s is not valid YAML: %v", filepath.Base(path), err)
			return nil
		}
		if len(bytes.TrimSpace(doc)) > 0 {
			docs++
		}
	}
	if docs != 1 {
		r.add(Error, "one-object-per-file", "%s holds %d objects, want exactly 1", filepath.Base(path), docs)
	}
	return nil
}

// bundleSize sums gzip+base64 of every file, as OLM's bundle unpacker
// stores them.
func bundleSize(r *Report, dir string) error {
	var total int
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(data); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		total += base64.StdEncoding.EncodedLen(buf.Len())
		return nil
	})
	if err != nil {
		return fmt.Errorf("measuring bundle %s: %w", dir, err)
	}
	switch {
	case total > maxCompressedBundle:
		r.add(Error, "size", "bundle is %d bytes compressed, over the %d OLM can unpack", total, maxCompressedBundle)
	case total > maxCompressedBundle*85/100:
		r.add(Warning, "size", "bundle is %d bytes compressed, over 85%% of the %d OLM can unpack", total, maxCompressedBundle)
	}
	return nil
}
