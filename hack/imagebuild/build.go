package main

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

type options struct {
	dockerfile, context, tag, arch, out string
	buildArgs, stageFiles               map[string]string
}

func build(o options) error {
	if o.arch == "" || o.out == "" {
		return errors.New("-arch and -out are required")
	}
	st, err := parseDockerfile(o.dockerfile, o.buildArgs)
	if err != nil {
		return err
	}
	img, err := image(st, resolver{context: o.context, stageFiles: o.stageFiles}, o.arch)
	if err != nil {
		return err
	}
	return writeArchive(img, o.tag, o.arch, o.out)
}

// image is the stage's files, one layer per COPY as an engine makes them,
// and its config for linux/arch.
func image(st *stage, r resolver, arch string) (v1.Image, error) {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	for _, step := range st.copies {
		files, err := r.copyFiles(step)
		if err != nil {
			return nil, err
		}
		l, err := layer(files)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", step.line, err)
		}
		img, err = mutate.Append(img, mutate.Addendum{Layer: l, History: v1.History{
			Created: v1.Time{Time: epoch}, CreatedBy: step.line, Comment: "imagebuild",
		}})
		if err != nil {
			return nil, err
		}
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.Created = "linux", arch, v1.Time{Time: epoch}
	cfg.Config.Labels = st.labels
	cfg.Config.User = st.user
	cfg.Config.WorkingDir = st.workdir
	cfg.Config.Entrypoint = st.entrypoint
	cfg.Config.Env = st.env
	return mutate.ConfigFile(img, cfg)
}

// writeArchive writes an OCI image layout with the one image, for the one
// platform it claims, and packs it into the tar at out.
func writeArchive(img v1.Image, tag, arch, out string) error {
	dir, err := os.MkdirTemp(filepath.Dir(out), ".imagebuild-")
	if err != nil {
		return fmt.Errorf("creating a staging directory next to %s: %w", out, err)
	}
	defer os.RemoveAll(dir)
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return fmt.Errorf("writing the OCI layout: %w", err)
	}
	opts := []layout.Option{layout.WithPlatform(v1.Platform{OS: "linux", Architecture: arch})}
	if tag != "" {
		opts = append(opts, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag}))
	}
	if err := p.AppendImage(img, opts...); err != nil {
		return fmt.Errorf("adding the image to the OCI layout: %w", err)
	}
	tmp := out + ".tmp"
	if err := tarDir(dir, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, out)
}

func tarDir(dir, out string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name, hdr.ModTime, hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = filepath.ToSlash(rel), epoch, 0, 0, "", ""
		if d.IsDir() {
			hdr.Name += "/"
			return tw.WriteHeader(hdr)
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(tw, src)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	return nil
}
