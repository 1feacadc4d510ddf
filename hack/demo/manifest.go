package main

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/template"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Names of the objects in the embedded manifest.
const (
	clusterName        = "demo"
	passwordSecretName = "demo-redis-password"
)

//go:embed raycluster.yaml
var manifestTemplate string

// manifestValues fill the embedded manifest.
type manifestValues struct {
	Name, Namespace, SecretName  string
	Password, RedisAddress       string
	NodeLostGraceSeconds         int64
	StuckTerminatingGraceSeconds int64
	DeletionTimeoutSeconds       int64
}

// renderManifest fills the embedded Secret and RayCluster.
func renderManifest(v manifestValues) ([]byte, error) {
	tmpl, err := template.New("raycluster.yaml").Option("missingkey=error").Parse(manifestTemplate)
	if err != nil {
		return nil, fmt.Errorf("parsing the embedded manifest: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("rendering the embedded manifest: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeObjects splits a multi-document YAML into objects.
func decodeObjects(manifest []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(manifest), 4096)
	var objs []*unstructured.Unstructured
	for {
		var obj unstructured.Unstructured
		err := dec.Decode(&obj.Object)
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decoding the manifest: %w", err)
		}
		if len(obj.Object) > 0 {
			objs = append(objs, &obj)
		}
	}
}

// applyManifest renders the manifest, writes it to the work folder (mode
// 0600: it holds the Redis password) so that it can be applied again with
// kubectl, and creates its objects.
func (d *demo) applyManifest(ctx context.Context) error {
	b := d.opts.bounds
	manifest, err := renderManifest(manifestValues{
		Name: d.rayCluster.Name, Namespace: d.rayCluster.Namespace, SecretName: passwordSecretName,
		Password: d.redisPassword, RedisAddress: d.redis.Addr(),
		NodeLostGraceSeconds:         int64(b.nodeLostGrace.Seconds()),
		StuckTerminatingGraceSeconds: int64(b.stuckTerminatingGrace.Seconds()),
		DeletionTimeoutSeconds:       int64(b.deletionTimeout.Seconds()),
	})
	if err != nil {
		return err
	}
	d.manifestPath = filepath.Join(d.dir, "raycluster.yaml")
	if err := os.WriteFile(d.manifestPath, manifest, 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", d.manifestPath, err)
	}
	objs, err := decodeObjects(manifest)
	if err != nil {
		return err
	}
	for _, obj := range objs {
		if err := d.k8s.Create(ctx, obj); err != nil {
			return fmt.Errorf("creating %s %s/%s: %w", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
		}
	}
	return nil
}

// randomPassword is a fresh alphanumeric Redis password for this run.
func randomPassword() (string, error) {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generating the Redis password: %w", err)
	}
	for i, c := range raw {
		raw[i] = alphabet[int(c)%len(alphabet)]
	}
	return string(raw), nil
}
