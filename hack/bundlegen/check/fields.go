package check

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/blang/semver/v4"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
)

// Rules of the community catalogs' required-fields check, which fails a
// bundle where operator-framework/api would only warn.
var (
	displayNameRe    = regexp.MustCompile(`^.{3,50}$`)
	containerImageRe = regexp.MustCompile(`([^/]+/){1,}[^/:]+:.+`)
	repositoryRe     = regexp.MustCompile(`^https?://.+`)
	iconMediaTypes   = []string{"image/gif", "image/jpeg", "image/png", "image/svg+xml"}
)

// categories both operator-framework/api and the community catalogs accept
// (api's list has Observability, the catalogs' does not).
var categories = []string{
	"AI/Machine Learning", "Application Runtime", "Big Data", "Cloud Provider", "Developer Tools",
	"Database", "Integration & Delivery", "Logging & Tracing", "Monitoring", "Modernization & Migration",
	"Networking", "OpenShift Optional", "Security", "Storage", "Streaming & Messaging",
}

// requiredFields applies the community catalogs' check_required_fields and
// Red Hat certification's required annotations.
func requiredFields(r *Report, csv *operatorsv1alpha1.ClusterServiceVersion) {
	const c = "required-fields"
	s := csv.Spec
	if !displayNameRe.MatchString(s.DisplayName) {
		r.add(Error, c, "spec.displayName %q must be 3 to 50 characters", s.DisplayName)
	}
	if len(s.Description) < 20 {
		r.add(Error, c, "spec.description must have at least 20 characters")
	}
	checkIcon(r, s.Icon)
	if _, err := semver.Parse(s.Version.String()); err != nil {
		r.add(Error, c, "spec.version %q is not semver", s.Version.String())
	}
	if len(s.Maintainers) == 0 {
		r.add(Error, c, "spec.maintainers is empty")
	}
	if len(s.Provider.Name) < 3 {
		r.add(Error, c, "spec.provider.name %q is shorter than 3 characters", s.Provider.Name)
	}
	if len(s.Links) == 0 {
		r.add(Error, c, "spec.links is empty")
	}
	if len(s.Keywords) == 0 {
		r.add(Warning, c, "spec.keywords is empty")
	}
	checkAnnotations(r, csv.Annotations)
}

func checkIcon(r *Report, icons []operatorsv1alpha1.Icon) {
	if len(icons) != 1 {
		r.add(Error, "required-fields", "spec.icon must have exactly one entry, has %d", len(icons))
		return
	}
	ic := icons[0]
	if _, err := base64.StdEncoding.DecodeString(ic.Data); err != nil || len(ic.Data) < 4 {
		r.add(Error, "required-fields", "spec.icon base64data is not valid base64")
	}
	if !slices.Contains(iconMediaTypes, ic.MediaType) {
		r.add(Error, "required-fields", "spec.icon mediatype %q is not one of %v", ic.MediaType, iconMediaTypes)
	}
}

func checkAnnotations(r *Report, a map[string]string) {
	const c = "required-fields"
	if a["capabilities"] == "" {
		r.add(Error, c, "annotation capabilities is missing")
	}
	cats := strings.Split(a["categories"], ",")
	for _, cat := range cats {
		if !slices.Contains(categories, strings.TrimSpace(cat)) {
			r.add(Error, c, "category %q is not one every catalog accepts", strings.TrimSpace(cat))
		}
	}
	if !containerImageRe.MatchString(a["containerImage"]) {
		r.add(Error, c, "annotation containerImage %q is not a full image reference with a tag", a["containerImage"])
	}
	if _, err := time.Parse(time.RFC3339, a["createdAt"]); err != nil {
		r.add(Error, c, "annotation createdAt %q is not an RFC 3339 time", a["createdAt"])
	}
	if len(a["description"]) < 10 {
		r.add(Error, c, "annotation description must have at least 10 characters")
	}
	if !repositoryRe.MatchString(a["repository"]) {
		r.add(Error, c, "annotation repository %q is not an http(s) URL", a["repository"])
	}
	if len(a["support"]) < 3 {
		r.add(Error, c, "annotation support must have at least 3 characters")
	}
}

// openShiftFeatures are the feature annotations OpenShift's preflight
// requires (first seven) or reads (last three), each "true" or "false".
var openShiftFeatures = []struct {
	name     string
	required bool
}{
	{"disconnected", true}, {"fips-compliant", true}, {"proxy-aware", true}, {"tls-profiles", true},
	{"token-auth-aws", true}, {"token-auth-azure", true}, {"token-auth-gcp", true},
	{"cnf", false}, {"cni", false}, {"csi", false},
}

// openShiftAnnotations checks the feature annotations and valid-subscription.
func openShiftAnnotations(r *Report, csv *operatorsv1alpha1.ClusterServiceVersion) {
	const c = "openshift"
	for _, f := range openShiftFeatures {
		key := "features.operators.openshift.io/" + f.name
		v, ok := csv.Annotations[key]
		switch {
		case !ok && f.required:
			r.add(Error, c, "annotation %s is missing", key)
		case ok && v != "true" && v != "false":
			r.add(Error, c, "annotation %s is %q, want \"true\" or \"false\"", key, v)
		}
	}
	var subs []string
	if err := json.Unmarshal([]byte(csv.Annotations["operators.openshift.io/valid-subscription"]), &subs); err != nil {
		r.add(Error, c, "annotation operators.openshift.io/valid-subscription is not a JSON array of strings: %v", err)
	}
	if csv.Annotations["features.operators.openshift.io/disconnected"] == "true" {
		disconnectedImages(r, csv)
	}
}

// disconnectedImages: claiming disconnected support means every image is in
// relatedImages and pinned by digest, so mirroring finds them all.
func disconnectedImages(r *Report, csv *operatorsv1alpha1.ClusterServiceVersion) {
	for _, img := range csv.Spec.RelatedImages {
		if !strings.Contains(img.Image, "@sha256:") {
			r.add(Error, "openshift", "disconnected is claimed but related image %s is not pinned by digest", img.Image)
		}
	}
}
