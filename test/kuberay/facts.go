package kuberay

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Fact names one Ray-relevant property of a pod: a field (what kind of
// property) and a name within it (a ray start parameter, an env variable, a
// mount path, ...).
type Fact struct {
	Field string
	Name  string
}

// Facts are a pod's Ray semantics: every property either side's pod has,
// with its normalised value. A property a pod lacks is absent from its map.
type Facts map[Fact]string

// Fields of Facts. Names in parentheses are properties of the field itself
// rather than a named entry in it.
const (
	fieldRayStart    = "ray start"                 // parameter -> value; (mode), (exec), (runs)
	fieldOpenFiles   = "ulimit -n"                 // before ray start
	fieldUserCommand = "user command"              // what runs before ray start
	fieldCommand     = "container command"         // (kept as written), (parse error)
	fieldGenerated   = "KUBERAY_GEN_RAY_START_CMD" // parameter -> value; (mode)
	fieldEnv         = "env"                       // Ray container env by name
	fieldInitEnv     = "init container env"        // "<container>: <name>"
	fieldInitWaits   = "init container waits for"  // container -> GCS address
	fieldVolume      = "volume"                    // pod volume by name
	fieldMount       = "mount"                     // Ray container mount by path
	fieldPort        = "port"                      // Ray container port by name
	fieldLabel       = "label"                     // pod label by key
	fieldProbe       = "probe"                     // liveness | readiness | startup
	fieldContainers  = "containers"                // the pod's container names
)

// Special names.
const (
	nameMode       = "(mode)"
	nameExec       = "(exec)"
	nameRuns       = "(runs)"
	nameKept       = "(kept as written)"
	nameParseError = "(parse error)"
	nameExtra      = "(extra arguments)"
	userProbe      = "the user's probe, as written"
)

// podView is one pod of either side, with what its facts are judged
// against: the group's template as the RayCluster wrote it.
type podView struct {
	Labels    map[string]string
	Spec      corev1.PodSpec
	Namespace string
	User      corev1.PodTemplateSpec
}

// podFacts extracts a pod's Ray semantics. The Ray container is the first
// container, on both sides.
func podFacts(p podView) Facts {
	f := Facts{}
	if len(p.Spec.Containers) == 0 {
		f[Fact{fieldContainers, ""}] = "(none)"
		return f
	}
	ray := p.Spec.Containers[0]
	var user corev1.Container
	if len(p.User.Spec.Containers) > 0 {
		user = p.User.Spec.Containers[0]
	}
	pc := podContext{Labels: p.Labels, Namespace: p.Namespace}
	commandFacts(f, ray, user)
	envFacts(f, ray, pc)
	initContainerFacts(f, p.Spec.InitContainers, pc)
	volumeFacts(f, p.Spec.Volumes, ray)
	portFacts(f, ray)
	for k, v := range p.Labels {
		f[Fact{fieldLabel, k}] = v
	}
	probeFacts(f, ray, user)
	autoscalerPodFacts(f, p.Spec, pc)
	var names []string
	for _, c := range p.Spec.Containers {
		names = append(names, c.Name)
	}
	f[Fact{fieldContainers, ""}] = strings.Join(names, ", ")
	return f
}

// commandFacts: (a) ray start, (b) the user command, (c) whether the
// command is the user's own.
func commandFacts(f Facts, ray, user corev1.Container) {
	kept := sameStrings(ray.Command, user.Command) && sameStrings(ray.Args, user.Args)
	f[Fact{fieldCommand, nameKept}] = yesNo(kept)
	cmds, err := containerScript(ray.Command, ray.Args)
	if err != nil {
		f[Fact{fieldCommand, nameParseError}] = err.Error()
		return
	}
	s := analyseScript(cmds)
	if s.UserCommand != "" {
		f[Fact{fieldUserCommand, ""}] = s.UserCommand
	}
	if s.OpenFiles != "" {
		f[Fact{fieldOpenFiles, ""}] = s.OpenFiles
	}
	if s.RayStart == nil {
		f[Fact{fieldRayStart, nameMode}] = "not in the container command"
		return
	}
	rayStartFacts(f, fieldRayStart, s.RayStart)
	f[Fact{fieldRayStart, nameExec}] = yesNo(s.Exec)
	f[Fact{fieldRayStart, nameRuns}] = s.Runs
}

func rayStartFacts(f Facts, field string, rs *rayStart) {
	f[Fact{field, nameMode}] = map[bool]string{true: "head", false: "worker"}[rs.Head]
	for k, v := range rs.Params {
		f[Fact{field, k}] = v
	}
	if len(rs.Extra) > 0 {
		f[Fact{field, nameExtra}] = strings.Join(rs.Extra, " ")
	}
}

// envFacts: (e) the Ray container's env, and (d) the generated ray start
// line, parsed like the container's.
func envFacts(f Facts, ray corev1.Container, pc podContext) {
	for name, v := range effectiveEnv(ray.Env, pc) {
		if name != fieldGenerated {
			f[Fact{fieldEnv, name}] = v
			continue
		}
		rs, err := parseGeneratedCommand(v)
		switch {
		case err != nil:
			f[Fact{fieldGenerated, nameParseError}] = err.Error()
		case rs == nil:
			f[Fact{fieldGenerated, nameMode}] = "no ray start in " + fmt.Sprintf("%q", v)
		default:
			rayStartFacts(f, fieldGenerated, rs)
		}
	}
}

// initContainerFacts: (f) every init container's env, and the address a
// `ray health-check` in it waits for.
func initContainerFacts(f Facts, inits []corev1.Container, pc podContext) {
	for _, c := range inits {
		for name, v := range effectiveEnv(c.Env, pc) {
			f[Fact{fieldInitEnv, c.Name + ": " + name}] = v
		}
		if addr := healthCheckAddress(c); addr != "" {
			f[Fact{fieldInitWaits, c.Name}] = addr
		}
	}
}

// healthCheckAddress returns the --address of the first `ray health-check`
// a container runs, with the script's own simple variables (addr=...)
// substituted.
func healthCheckAddress(c corev1.Container) string {
	cmds, err := containerScript(c.Command, c.Args)
	if err != nil {
		return "(parse error: " + err.Error() + ")"
	}
	vars := map[string]string{}
	for _, cmd := range cmds {
		if allAssignments(cmd.Words) {
			for _, w := range cmd.Words {
				k, v, _ := strings.Cut(w, "=")
				vars[k] = v
			}
			continue
		}
		for k := 0; k+1 < len(cmd.Words); k++ {
			if cmd.Words[k] == "ray" && cmd.Words[k+1] == "health-check" {
				return expandVars(flagValue(cmd.Words[k+2:], "address"), vars)
			}
		}
	}
	return ""
}

func allAssignments(words []string) bool {
	for _, w := range words {
		if !isAssignment(w) {
			return false
		}
	}
	return len(words) > 0
}

func flagValue(words []string, name string) string {
	for i, w := range words {
		if v, ok := strings.CutPrefix(w, "--"+name+"="); ok {
			return v
		}
		if w == "--"+name && i+1 < len(words) {
			return words[i+1]
		}
	}
	return ""
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

func expandVars(s string, vars map[string]string) string {
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := vars[m[2:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// volumeFacts: (g) the pod's volumes and the Ray container's mounts.
func volumeFacts(f Facts, volumes []corev1.Volume, ray corev1.Container) {
	for _, v := range volumes {
		b, err := json.Marshal(v.VolumeSource) // quantities come out canonical
		if err != nil {
			b = []byte(err.Error())
		}
		f[Fact{fieldVolume, v.Name}] = string(b)
	}
	for _, m := range ray.VolumeMounts {
		v := "volume " + m.Name
		if m.ReadOnly {
			v += ", read-only"
		}
		if m.SubPath != "" {
			v += ", subPath " + m.SubPath
		}
		f[Fact{fieldMount, m.MountPath}] = v
	}
}

// portFacts: (h) the Ray container's ports.
func portFacts(f Facts, ray corev1.Container) {
	for _, p := range ray.Ports {
		name := p.Name
		if name == "" {
			name = fmt.Sprintf("(unnamed %d)", p.ContainerPort)
		}
		proto := p.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		v := fmt.Sprintf("%d/%s", p.ContainerPort, proto)
		if p.HostPort != 0 {
			v += fmt.Sprintf(", hostPort %d", p.HostPort)
		}
		f[Fact{fieldPort, name}] = v
	}
}

// probeFacts: (j) what each probe checks: the user's own probe kept, or the
// health endpoints (port and path) it asks, whatever the probe's style.
func probeFacts(f Facts, ray, user corev1.Container) {
	probes := []struct {
		name       string
		got, given *corev1.Probe
	}{
		{"liveness", ray.LivenessProbe, user.LivenessProbe},
		{"readiness", ray.ReadinessProbe, user.ReadinessProbe},
		{"startup", ray.StartupProbe, user.StartupProbe},
	}
	for _, p := range probes {
		switch {
		case p.got == nil && p.name == "startup":
		case p.got == nil:
			f[Fact{fieldProbe, p.name}] = "none"
		case p.given != nil && reflect.DeepEqual(p.got, p.given):
			f[Fact{fieldProbe, p.name}] = userProbe
		default:
			f[Fact{fieldProbe, p.name}] = probeEndpoints(p.got)
		}
	}
}

var healthURL = regexp.MustCompile(`https?://[^/\s:'"]+:(\d+)(/[^\s|;&'"]*)`)

func probeEndpoints(p *corev1.Probe) string {
	switch {
	case p.HTTPGet != nil:
		return fmt.Sprintf("HTTP :%s%s", p.HTTPGet.Port.String(), p.HTTPGet.Path)
	case p.TCPSocket != nil:
		return "TCP :" + p.TCPSocket.Port.String()
	case p.GRPC != nil:
		return fmt.Sprintf("gRPC :%d", p.GRPC.Port)
	case p.Exec != nil:
		cmd := strings.Join(p.Exec.Command, " ")
		var eps []string
		for _, m := range healthURL.FindAllStringSubmatch(cmd, -1) {
			eps = append(eps, fmt.Sprintf("HTTP :%s%s", m[1], m[2]))
		}
		if len(eps) == 0 {
			return "exec " + cmd
		}
		sort.Strings(eps)
		return strings.Join(eps, " + ")
	}
	return "(no handler)"
}

func sameStrings(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
