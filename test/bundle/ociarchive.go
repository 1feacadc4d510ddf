package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// The OCI image layout and image spec structures a test needs, read with
// the standard library only: the image builder's own library
// (go-containerregistry) is not what checks its output, and the operator's
// module does not depend on it.
type ociDescriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
	} `json:"platform,omitempty"`
}

type ociIndex struct {
	Manifests []ociDescriptor `json:"manifests"`
}

type ociManifest struct {
	MediaType string          `json:"mediaType"`
	Config    ociDescriptor   `json:"config"`
	Layers    []ociDescriptor `json:"layers"`
}

// ociConfig is the image configuration (what an engine runs).
type ociConfig struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	RootFS       struct {
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
	Config struct {
		User       string            `json:"User"`
		Entrypoint []string          `json:"Entrypoint"`
		WorkingDir string            `json:"WorkingDir"`
		Labels     map[string]string `json:"Labels"`
		Env        []string          `json:"Env"`
	} `json:"config"`
}

// ociImage is the one image of an OCI archive, its layers applied in order
// to Root.
type ociImage struct {
	Index    ociDescriptor
	Manifest ociManifest
	Config   ociConfig
	Root     string
	// Files are the regular files and directories the layers hold, by
	// absolute path in the image.
	Files map[string]*tar.Header
}

// readOCIArchive unpacks the OCI archive at archivePath under dir, checks
// every blob against its digest, and applies the layers to dir/rootfs. The
// archive must hold exactly one image.
func readOCIArchive(archivePath, dir string) (*ociImage, error) {
	layoutDir := filepath.Join(dir, "layout")
	archive, err := os.Open(archivePath)
	if err != nil {
		return nil, err
	}
	defer archive.Close()
	if err := untar(archive, layoutDir, nil); err != nil {
		return nil, fmt.Errorf("unpacking %s: %w", archivePath, err)
	}
	var index ociIndex
	if err := readJSON(filepath.Join(layoutDir, "index.json"), &index); err != nil {
		return nil, err
	}
	if len(index.Manifests) != 1 {
		return nil, fmt.Errorf("the archive's index lists %d manifests, want exactly 1", len(index.Manifests))
	}
	img := &ociImage{Index: index.Manifests[0], Root: filepath.Join(dir, "rootfs"), Files: map[string]*tar.Header{}}
	if err := readBlobJSON(layoutDir, img.Index, &img.Manifest); err != nil {
		return nil, err
	}
	if err := readBlobJSON(layoutDir, img.Manifest.Config, &img.Config); err != nil {
		return nil, err
	}
	if len(img.Config.RootFS.DiffIDs) != len(img.Manifest.Layers) {
		return nil, fmt.Errorf("the config lists %d layer diff IDs, the manifest %d layers", len(img.Config.RootFS.DiffIDs), len(img.Manifest.Layers))
	}
	for i, l := range img.Manifest.Layers {
		if err := applyLayer(layoutDir, l, img.Config.RootFS.DiffIDs[i], img); err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.Digest, err)
		}
	}
	return img, nil
}

// applyLayer unpacks one layer (plain or gzip OCI tar) over img.Root after
// checking its uncompressed content against the config's diff ID.
func applyLayer(layoutDir string, l ociDescriptor, diffID string, img *ociImage) error {
	p, err := verifiedBlob(layoutDir, l)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	switch l.MediaType {
	case "application/vnd.oci.image.layer.v1.tar":
	case "application/vnd.oci.image.layer.v1.tar+gzip":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return err
		}
		if data, err = io.ReadAll(zr); err != nil {
			return err
		}
	default:
		return fmt.Errorf("media type %s is not an OCI tar layer", l.MediaType)
	}
	sum := sha256.Sum256(data)
	if got := "sha256:" + hex.EncodeToString(sum[:]); got != diffID {
		return fmt.Errorf("uncompressed content is %s, the config's diff ID %s", got, diffID)
	}
	return untar(bytes.NewReader(data), img.Root, img.Files)
}

func readBlobJSON(layoutDir string, d ociDescriptor, into any) error {
	p, err := verifiedBlob(layoutDir, d)
	if err != nil {
		return err
	}
	return readJSON(p, into)
}

// verifiedBlob is the path of the blob d names, once its size and sha256
// match d.
func verifiedBlob(layoutDir string, d ociDescriptor) (string, error) {
	algo, hexDigest, ok := strings.Cut(d.Digest, ":")
	if !ok || algo != "sha256" {
		return "", fmt.Errorf("digest %q is not sha256", d.Digest)
	}
	p := filepath.Join(layoutDir, "blobs", algo, hexDigest)
	data, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("blob %s: %w", d.Digest, err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != hexDigest || int64(len(data)) != d.Size {
		return "", fmt.Errorf("blob %s: content has sha256:%s and %d bytes, descriptor says %d", d.Digest, got, len(data), d.Size)
	}
	return p, nil
}

func readJSON(p string, into any) error {
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, into); err != nil {
		return fmt.Errorf("parsing %s: %w", p, err)
	}
	return nil
}

// untar extracts regular files and directories into dir, refusing any other
// entry (links, devices, whiteouts have no place in these images), and
// records each header in seen (when not nil) by its absolute image path.
func untar(r io.Reader, dir string, seen map[string]*tar.Header) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := path.Clean("/" + hdr.Name)
		if strings.HasPrefix(path.Base(name), ".wh.") {
			return fmt.Errorf("whiteout %s", name)
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := writeFile(target, tr, hdr); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: entry type %q is not a regular file or directory", name, hdr.Typeflag)
		}
		if seen != nil {
			seen[name] = hdr
		}
	}
}

func writeFile(target string, r io.Reader, hdr *tar.Header) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	// Owner-writable so a later layer can replace it; the image's own mode
	// is in the header, which the test checks.
	out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(hdr.Mode).Perm()|0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
