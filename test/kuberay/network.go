package kuberay

import (
	"cmp"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// oracleNetwork mirrors the oracle's Network (oracle/services.go): the head
// Service KubeRay creates and, with enableIngress, its head Ingress.
type oracleNetwork struct {
	HeadService           *corev1.Service       `json:"headService,omitempty"`
	HeadIngress           *networkingv1.Ingress `json:"headIngress,omitempty"`
	WorkerHeadlessService *corev1.Service       `json:"workerHeadlessService,omitempty"`
	NetworkError          string                `json:"networkError,omitempty"`
}

// The objects compared besides the pods, as Difference.Pod names them.
const (
	objService  = "head Service"
	objIngress  = "head Ingress"
	objHeadless = "headless worker Service"
)

// Fields of the head Service's and Ingress's facts. Labels of both use
// fieldLabel, as pods' do: the same labels differ for the same reason.
const (
	fieldService     = "Service"                 // (exists), name, type, headless, publishNotReadyAddresses, selects, spec.<field>
	fieldServicePort = "Service port"            // by port name
	fieldServiceAnno = "Service annotation"      // by key
	fieldIngress     = "Ingress"                 // (exists), name, ingressClassName, rule N host, rule N path M [backend], spec.<field>
	fieldIngressAnno = "Ingress annotation"      // by key
	fieldHeadless    = "headless worker Service" // (exists), name, type, headless, publishNotReadyAddresses, selects, ports, label <key>
	// fieldInput holds what the RayCluster asked for, the same on both
	// sides (so never a difference), for allow-list entries to check.
	fieldInput = "(input)"
)

// Names of input facts.
const (
	inputContainerPorts = "head container ports"  // "yes" when the head's Ray container declares any
	inputHeadService    = "headService"           // "yes" when headGroupSpec.headService is set
	inputUserClusterIP  = "headService clusterIP" // headService.spec.clusterIP as written
	inputUserPublish    = "headService publishNotReadyAddresses"
	inputParamPrefix    = "rayStartParams."
)

// headlessWorkerLabel marks the headless worker Service, on both sides.
const headlessWorkerLabel = "ray.io/headless-worker-svc"

// collectNetwork finds the head Service, the headless worker Service and
// the head Ingress among what the chart rendered.
func collectNetwork(objs []*unstructured.Unstructured, out ourRender) (ourRender, error) {
	for _, o := range objs {
		var target any
		switch o.GetKind() {
		case "Service":
			svc := &out.HeadService
			if _, ok := o.GetLabels()[headlessWorkerLabel]; ok {
				svc = &out.WorkerHeadlessService
			}
			if *svc != nil {
				return out, fmt.Errorf("two Services of one kind rendered (%s, %s)", (*svc).Name, o.GetName())
			}
			*svc = &corev1.Service{}
			target = *svc
		case "Ingress":
			if out.HeadIngress != nil {
				return out, fmt.Errorf("two Ingresses rendered (%s, %s)", out.HeadIngress.Name, o.GetName())
			}
			out.HeadIngress = &networkingv1.Ingress{}
			target = out.HeadIngress
		default:
			continue
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, target); err != nil {
			return out, fmt.Errorf("reading the %s %s: %w", o.GetKind(), o.GetName(), err)
		}
	}
	return out, nil
}

// networkView is one side's head Service, Ingress and headless worker
// Service, with the pods the Services' selectors are judged against.
type networkView struct {
	Service  *corev1.Service
	Ingress  *networkingv1.Ingress
	Headless *corev1.Service
	Head     map[string]string   // head pod labels
	Workers  []map[string]string // worker pod labels
}

// compareNetwork compares the head Service and Ingress of both sides.
func compareNetwork(spec string, obj *unstructured.Unstructured, kr, ours networkView) []Difference {
	in := inputFacts(obj)
	ks, os := serviceFacts(kr), serviceFacts(ours)
	ki, oi := ingressFacts(kr.Ingress), ingressFacts(ours.Ingress)
	for k, v := range in {
		ks[k], os[k], ki[k], oi[k] = v, v, v, v
	}
	diffs := append(compareFacts(spec, objService, ks, os), compareFacts(spec, objIngress, ki, oi)...)
	return append(diffs, compareFacts(spec, objHeadless, headlessFacts(kr), headlessFacts(ours))...)
}

// headlessFacts: what multi-host workers rely on in the headless worker
// Service: that it exists, its name, that it is headless, lists pods
// before they are Ready and selects the workers. Labels other than the
// one KubeRay finds it by select nothing and are not compared. No Service
// on either side gives no facts.
func headlessFacts(v networkView) Facts {
	f := Facts{}
	s := v.Headless
	if s == nil {
		return f
	}
	f[Fact{fieldHeadless, "(exists)"}] = "yes"
	f[Fact{fieldHeadless, "name"}] = s.Name
	f[Fact{fieldHeadless, "type"}] = string(cmp.Or(s.Spec.Type, corev1.ServiceTypeClusterIP))
	f[Fact{fieldHeadless, "headless"}] = yesNo(s.Spec.ClusterIP == corev1.ClusterIPNone)
	f[Fact{fieldHeadless, "publishNotReadyAddresses"}] = fmt.Sprint(s.Spec.PublishNotReadyAddresses)
	f[Fact{fieldHeadless, "selects"}] = selects(s.Spec.Selector, v.Head, v.Workers)
	f[Fact{fieldHeadless, "ports"}] = fmt.Sprint(len(s.Spec.Ports))
	f[Fact{fieldHeadless, "label " + headlessWorkerLabel}] = s.Labels[headlessWorkerLabel]
	return f
}

// inputFacts: what the RayCluster says about the head's ports and Service.
func inputFacts(obj *unstructured.Unstructured) Facts {
	f := Facts{}
	head, _, _ := unstructured.NestedMap(obj.Object, "spec", "headGroupSpec")
	containers, _, _ := unstructured.NestedSlice(head, "template", "spec", "containers")
	ports := false
	if len(containers) > 0 {
		c, _ := containers[0].(map[string]any)
		p, _ := c["ports"].([]any)
		ports = len(p) > 0
	}
	f[Fact{fieldInput, inputContainerPorts}] = yesNo(ports)
	params, _, _ := unstructured.NestedMap(head, "rayStartParams")
	for k, v := range params {
		f[Fact{fieldInput, inputParamPrefix + k}] = fmt.Sprint(v)
	}
	_, hs := head["headService"]
	f[Fact{fieldInput, inputHeadService}] = yesNo(hs)
	if v, ok, _ := unstructured.NestedString(head, "headService", "spec", "clusterIP"); ok {
		f[Fact{fieldInput, inputUserClusterIP}] = v
	}
	if v, ok, _ := unstructured.NestedBool(head, "headService", "spec", "publishNotReadyAddresses"); ok {
		f[Fact{fieldInput, inputUserPublish}] = fmt.Sprint(v)
	}
	return f
}

// serviceFacts: what clients and tools see of the head Service.
func serviceFacts(v networkView) Facts {
	f := Facts{}
	s := v.Service
	if s == nil {
		f[Fact{fieldService, "(exists)"}] = "no"
		return f
	}
	f[Fact{fieldService, "name"}] = s.Name
	typ := s.Spec.Type
	if typ == "" {
		typ = corev1.ServiceTypeClusterIP // the API server's default
	}
	f[Fact{fieldService, "type"}] = string(typ)
	f[Fact{fieldService, "headless"}] = yesNo(s.Spec.ClusterIP == corev1.ClusterIPNone)
	f[Fact{fieldService, "publishNotReadyAddresses"}] = fmt.Sprint(s.Spec.PublishNotReadyAddresses)
	f[Fact{fieldService, "selects"}] = selects(s.Spec.Selector, v.Head, v.Workers)
	portFactsOf(f, s.Spec.Ports)
	for k, val := range s.Labels {
		f[Fact{fieldLabel, k}] = val
	}
	for k, val := range s.Annotations {
		f[Fact{fieldServiceAnno, k}] = val
	}
	otherSpecFields(f, fieldService, s.Spec, "ports", "selector", "type", "clusterIP", "clusterIPs", "publishNotReadyAddresses")
	return f
}

// selects says which of the side's own pods the selector matches: the
// keys differ between KubeRay and us (each selects on its own pod labels);
// what matters is that it is the head and only the head.
func selects(sel map[string]string, head map[string]string, workers []map[string]string) string {
	if len(sel) == 0 {
		return "nothing (no selector)"
	}
	s := labels.SelectorFromSet(sel)
	var parts []string
	if s.Matches(labels.Set(head)) {
		parts = append(parts, "the head pod")
	}
	n := 0
	for _, w := range workers {
		if s.Matches(labels.Set(w)) {
			n++
		}
	}
	if n > 0 {
		parts = append(parts, fmt.Sprintf("%d worker groups' pods", n))
	}
	if len(parts) == 0 {
		return "no Ray pod"
	}
	return strings.Join(parts, " and ")
}

// portFactsOf records the Service's ports by name. A name or a
// number/protocol used again (the API server refuses such a Service) is
// the fact "duplicate ports"; under the name, the first port counts.
func portFactsOf(f Facts, ports []corev1.ServicePort) {
	seenNumber := map[string]bool{}
	var dups []string
	for _, p := range ports {
		proto := p.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		num := fmt.Sprintf("%d/%s", p.Port, proto)
		if _, ok := f[Fact{fieldServicePort, p.Name}]; ok {
			dups = append(dups, "name "+p.Name)
		} else {
			f[Fact{fieldServicePort, p.Name}] = servicePort(p)
		}
		if seenNumber[num] {
			dups = append(dups, "port "+num)
		}
		seenNumber[num] = true
	}
	if len(dups) > 0 {
		sort.Strings(dups)
		f[Fact{fieldService, "duplicate ports"}] = strings.Join(dups, ", ")
	}
}

// servicePort: "port -> targetPort/protocol", with the API server's
// defaults (targetPort = port, TCP) filled in, then appProtocol and a
// fixed nodePort when set.
func servicePort(p corev1.ServicePort) string {
	target := p.TargetPort.String()
	if target == "0" || target == "" {
		target = fmt.Sprint(p.Port)
	}
	proto := p.Protocol
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	v := fmt.Sprintf("%d -> %s/%s", p.Port, target, proto)
	if p.AppProtocol != nil {
		v += ", appProtocol " + *p.AppProtocol
	}
	if p.NodePort != 0 {
		v += fmt.Sprintf(", nodePort %d", p.NodePort)
	}
	return v
}

// otherSpecFields records every other top-level spec field either side
// sets, as JSON: user-written headService fields must arrive unchanged.
func otherSpecFields(f Facts, field string, spec any, skip ...string) {
	b, err := json.Marshal(spec)
	if err != nil {
		f[Fact{field, "spec"}] = "(cannot encode: " + err.Error() + ")"
		return
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		f[Fact{field, "spec"}] = "(cannot decode: " + err.Error() + ")"
		return
	}
	for _, k := range skip {
		delete(m, k)
	}
	for k, v := range m {
		f[Fact{field, "spec." + k}] = string(v)
	}
}

// ingressFacts: what an ingress controller sees of the head Ingress. No
// Ingress on either side gives no facts.
func ingressFacts(in *networkingv1.Ingress) Facts {
	f := Facts{}
	if in == nil {
		return f
	}
	f[Fact{fieldIngress, "(exists)"}] = "yes"
	f[Fact{fieldIngress, "name"}] = in.Name
	class := "(none)"
	if in.Spec.IngressClassName != nil {
		class = *in.Spec.IngressClassName
	}
	f[Fact{fieldIngress, "ingressClassName"}] = class
	for k, v := range in.Labels {
		f[Fact{fieldLabel, k}] = v
	}
	for k, v := range in.Annotations {
		f[Fact{fieldIngressAnno, k}] = v
	}
	for i, r := range in.Spec.Rules {
		rule := fmt.Sprintf("rule %d", i+1)
		f[Fact{fieldIngress, rule + " host"}] = r.Host
		if r.HTTP == nil {
			continue
		}
		for j, p := range r.HTTP.Paths {
			name := fmt.Sprintf("%s path %d", rule, j+1)
			pt := "(no pathType)"
			if p.PathType != nil {
				pt = string(*p.PathType)
			}
			f[Fact{fieldIngress, name}] = p.Path + " (" + pt + ")"
			f[Fact{fieldIngress, name + " backend"}] = ingressBackend(p.Backend)
		}
	}
	otherSpecFields(f, fieldIngress, in.Spec, "rules", "ingressClassName")
	return f
}

// ingressBackend: "<service>:<port number or name>".
func ingressBackend(b networkingv1.IngressBackend) string {
	if b.Service == nil {
		return "a non-Service backend"
	}
	port := fmt.Sprint(b.Service.Port.Number)
	if b.Service.Port.Name != "" {
		port = b.Service.Port.Name
	}
	return b.Service.Name + ":" + port
}

// networkDiffs compares both sides' head Service and Ingress. KubeRay
// failing to build them shows as a Service that does not exist.
func networkDiffs(spec string, obj *unstructured.Unstructured, kr oracleResult, ours ourRender) []Difference {
	krView := networkView{Service: kr.HeadService, Ingress: kr.HeadIngress, Headless: kr.WorkerHeadlessService, Head: kr.Head.Labels}
	for _, w := range kr.Workers {
		krView.Workers = append(krView.Workers, w.Pod.Labels)
	}
	ourView := networkView{Service: ours.HeadService, Ingress: ours.HeadIngress, Headless: ours.WorkerHeadlessService}
	if ours.Head != nil {
		ourView.Head = ours.Head.Labels
	}
	groups := make([]string, 0, len(ours.Workers))
	for g := range ours.Workers {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		ourView.Workers = append(ourView.Workers, ours.Workers[g].Labels)
	}
	diffs := compareNetwork(spec, obj, krView, ourView)
	if kr.NetworkError != "" {
		for i := range diffs {
			if diffs[i].Field == fieldService && diffs[i].Name == "(exists)" {
				diffs[i].KubeRay = "no: " + kr.NetworkError
			}
		}
	}
	return diffs
}
