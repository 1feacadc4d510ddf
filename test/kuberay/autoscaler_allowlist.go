package kuberay

// reasonRestricted: the autoscaler container gets the same Pod Security
// "restricted" defaults as every container of a Ray pod here.
const reasonRestricted = "every container of a Ray pod gets Pod Security Admission's restricted defaults " +
	"(fields autoscalerOptions.securityContext sets are kept), so the head also runs in a restricted namespace; " +
	"the Ray autoscaler needs no privilege"

// autoscalerAllowList: the deliberate differences in the autoscaler
// sidecar and its pods (see allowList).
var autoscalerAllowList = []allowed{
	{Field: fieldAutoscalerSC, Name: "allowPrivilegeEscalation", Pod: "head", KubeRay: absent, Ours: "false", Reason: reasonRestricted},
	{Field: fieldAutoscalerSC, Name: "runAsNonRoot", Pod: "head", KubeRay: absent, Ours: "true", Reason: reasonRestricted},
	{Field: fieldAutoscalerSC, Name: "seccompProfile", Pod: "head", KubeRay: absent, Ours: `{"type":"RuntimeDefault"}`, Reason: reasonRestricted},
	{Field: fieldAutoscalerSC, Name: "capabilities", Pod: "head", KubeRay: absent, Ours: `{"drop":["ALL"]}`, Reason: reasonRestricted},
	{Field: fieldPodSpec, Name: "restartPolicy", KubeRay: "Never", Ours: "Always",
		When: "autoscaler v2, for which KubeRay sets Never on every Ray pod",
		Reason: "the head runs in a StatefulSet and workers in ReplicaSets, which allow only Always: a Ray container " +
			"that exits is restarted in its pod instead of the pod being replaced (not yet handled for autoscaler v2, " +
			"which tracks workers by pod name; see docs/autoscaling.md)"},
}
