package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/operator-framework/operator-registry/alpha/declcfg"
	"github.com/operator-framework/operator-registry/pkg/api"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// summary is what OLM's catalog operator resolves a Subscription from: the
// packages with their channels' heads, and every channel entry with its
// bundle image, version and edges. The same summary read from a catalog
// directory and from a registry serving it shows the registry serves the
// catalog as written.
type summary struct {
	Packages []summaryPackage `json:"packages"`
	Entries  []summaryEntry   `json:"entries"`
}

type summaryPackage struct {
	Name           string            `json:"name"`
	DefaultChannel string            `json:"defaultChannel"`
	Heads          map[string]string `json:"heads"` // channel -> head bundle
}

type summaryEntry struct {
	Package   string   `json:"package"`
	Channel   string   `json:"channel"`
	Bundle    string   `json:"bundle"`
	Image     string   `json:"image"`
	Version   string   `json:"version"`
	Replaces  string   `json:"replaces,omitempty"`
	Skips     []string `json:"skips,omitempty"`
	SkipRange string   `json:"skipRange,omitempty"`
}

func (s *summary) sort() {
	slices.SortFunc(s.Packages, func(a, b summaryPackage) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(s.Entries, func(a, b summaryEntry) int {
		return strings.Compare(a.Package+"/"+a.Channel+"/"+a.Bundle, b.Package+"/"+b.Channel+"/"+b.Bundle)
	})
	for i := range s.Entries {
		slices.Sort(s.Entries[i].Skips)
	}
}

// summarizeCatalog reads the summary from a catalog, through
// operator-registry's model (the channel heads as the registry computes them).
func summarizeCatalog(cfg declcfg.DeclarativeConfig) (*summary, error) {
	m, err := declcfg.ConvertToModel(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCatalog, err)
	}
	out := &summary{}
	for _, p := range m {
		sp := summaryPackage{Name: p.Name, Heads: map[string]string{}}
		if p.DefaultChannel != nil {
			sp.DefaultChannel = p.DefaultChannel.Name
		}
		for _, c := range p.Channels {
			head, err := c.Head()
			if err != nil {
				return nil, fmt.Errorf("package %s, channel %s: %w", p.Name, c.Name, err)
			}
			sp.Heads[c.Name] = head.Name
			for _, b := range c.Bundles {
				out.Entries = append(out.Entries, summaryEntry{
					Package: p.Name, Channel: c.Name, Bundle: b.Name, Image: b.Image, Version: b.Version.String(),
					Replaces: b.Replaces, Skips: slices.Clone(b.Skips), SkipRange: b.SkipRange,
				})
			}
		}
		out.Packages = append(out.Packages, sp)
	}
	out.sort()
	return out, nil
}

// summarizeRegistry reads the summary from a registry's gRPC API (opm
// serve), with the calls OLM's catalog operator makes.
func summarizeRegistry(ctx context.Context, addr string) (*summary, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("connecting to the registry at %s: %w", addr, err)
	}
	defer conn.Close()
	c := api.NewRegistryClient(conn)
	out := &summary{}
	names, err := c.ListPackages(ctx, &api.ListPackageRequest{})
	if err != nil {
		return nil, fmt.Errorf("listing packages: %w", err)
	}
	for {
		n, err := names.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("listing packages: %w", err)
		}
		p, err := c.GetPackage(ctx, &api.GetPackageRequest{Name: n.GetName()})
		if err != nil {
			return nil, fmt.Errorf("getting package %s: %w", n.GetName(), err)
		}
		sp := summaryPackage{Name: p.GetName(), DefaultChannel: p.GetDefaultChannelName(), Heads: map[string]string{}}
		for _, ch := range p.GetChannels() {
			sp.Heads[ch.GetName()] = ch.GetCsvName()
		}
		out.Packages = append(out.Packages, sp)
	}
	bundles, err := c.ListBundles(ctx, &api.ListBundlesRequest{})
	if err != nil {
		return nil, fmt.Errorf("listing bundles: %w", err)
	}
	for {
		b, err := bundles.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("listing bundles: %w", err)
		}
		out.Entries = append(out.Entries, summaryEntry{
			Package: b.GetPackageName(), Channel: b.GetChannelName(), Bundle: b.GetCsvName(), Image: b.GetBundlePath(),
			Version: b.GetVersion(), Replaces: b.GetReplaces(), Skips: slices.Clone(b.GetSkips()), SkipRange: b.GetSkipRange(),
		})
	}
	out.sort()
	return out, nil
}
