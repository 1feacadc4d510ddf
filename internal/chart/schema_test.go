package chart

import (
	"strings"
	"testing"
)

// TestSchemaRejectsBadValues feeds bad values through the same path as an
// install: each must fail, and the message must name the field.
func TestSchemaRejectsBadValues(t *testing.T) {
	tests := map[string]struct {
		values string
		want   []string // all must appear in the error
	}{
		"wrong type: suspend": {
			values: `suspend: "yes"`,
			want:   []string{"/suspend", "boolean"},
		},
		"wrong type: replicas": {
			values: `workerGroupSpecs: [{groupName: g, replicas: "3", template: {spec: {containers: [{name: w, image: i}]}}}]`,
			want:   []string{"/workerGroupSpecs/0/replicas", "integer"},
		},
		"wrong type: rayStartParams value": {
			values: `headGroupSpec: {rayStartParams: {num-cpus: 1}, template: {spec: {containers: [{name: h, image: i}]}}}`,
			want:   []string{"/headGroupSpec/rayStartParams/num-cpus", "string"},
		},
		"missing head template": {
			values: `headGroupSpec: {template: null, rayStartParams: {}}`,
			want:   []string{"/headGroupSpec", "template"},
		},
		"negative replicas": {
			values: `workerGroupSpecs: [{groupName: g, replicas: -1, template: {spec: {containers: [{name: w, image: i}]}}}]`,
			want:   []string{"/workerGroupSpecs/0/replicas", "minimum"},
		},
		"negative maxReplicas": {
			values: `workerGroupSpecs: [{groupName: g, maxReplicas: -2, template: {spec: {containers: [{name: w, image: i}]}}}]`,
			want:   []string{"/workerGroupSpecs/0/maxReplicas", "minimum"},
		},
		"unknown top-level key": {
			values: `historyServerOptions: {}`,
			want:   []string{"historyServerOptions"},
		},
		"unsupported value of a KubeRay field": {
			values: `workerGroupSpecs: [{groupName: g, priority: 1, template: {spec: {containers: [{name: w, image: i}]}}}]`,
			want:   []string{"/workerGroupSpecs/0/priority"},
		},
		"unknown autoscaler version": {
			values: `autoscalerOptions: {version: v3}`,
			want:   []string{"/autoscalerOptions/version"},
		},
		"unknown key in autoscalerOptions": {
			values: `autoscalerOptions: {idleTimeout: 60}`,
			want:   []string{"/autoscalerOptions", "idleTimeout"},
		},
		"unknown key in headGroupSpec": {
			values: `headGroupSpec: {ingressOptions: {}}`,
			want:   []string{"/headGroupSpec", "ingressOptions"},
		},
		"unknown key in a worker group": {
			values: `workerGroupSpecs: [{groupName: g, idleTimeout: 60, template: {spec: {containers: [{name: w, image: i}]}}}]`,
			want:   []string{"/workerGroupSpecs/0", "idleTimeout"},
		},
		"unknown key in gcsFaultToleranceOptions": {
			values: `gcsFaultToleranceOptions: {redisAddress: "r:6379", storage: {size: 1Gi}}`,
			want:   []string{"/gcsFaultToleranceOptions", "storage"},
		},
		"unknown key in cluster": {
			values: `cluster: {namespace: x}`,
			want:   []string{"/cluster", "namespace"},
		},
		"empty containers": {
			values: `headGroupSpec: {template: {spec: {containers: []}}}`,
			want:   []string{"/headGroupSpec/template/spec/containers", "minItems"},
		},
		"container without image": {
			values: `workerGroupSpecs: [{groupName: g, template: {spec: {containers: [{name: w}]}}}]`,
			want:   []string{"/workerGroupSpecs/0/template/spec/containers/0", "image"},
		},
		"worker group without a name": {
			values: `workerGroupSpecs: [{template: {spec: {containers: [{name: w, image: i}]}}}]`,
			want:   []string{"/workerGroupSpecs/0", "groupName"},
		},
		"credential with both value and valueFrom": {
			values: `gcsFaultToleranceOptions: {redisAddress: "r:6379", redisPassword: {value: x, valueFrom: {secretKeyRef: {name: s, key: k}}}}`,
			want:   []string{"/gcsFaultToleranceOptions/redisPassword", "maxProperties"},
		},
		"credential with neither": {
			values: `gcsFaultToleranceOptions: {redisAddress: "r:6379", redisUsername: {}}`,
			want:   []string{"/gcsFaultToleranceOptions/redisUsername", "minProperties"},
		},
		"secretKeyRef without key": {
			values: `gcsFaultToleranceOptions: {redisAddress: "r:6379", redisPassword: {valueFrom: {secretKeyRef: {name: s}}}}`,
			want:   []string{"/gcsFaultToleranceOptions/redisPassword/valueFrom/secretKeyRef", "key"},
		},
		"FT without a Redis address": {
			values: `gcsFaultToleranceOptions: {redisPassword: {value: x}}`,
			want:   []string{"/gcsFaultToleranceOptions", "redisAddress"},
		},
		"storage namespace with @": {
			values: `gcsFaultToleranceOptions: {redisAddress: "r:6379", externalStorageNamespace: "a@b"}`,
			want:   []string{"/gcsFaultToleranceOptions/externalStorageNamespace"},
		},
		"bad serviceType": {
			values: `headGroupSpec: {serviceType: ExternalName}`,
			want:   []string{"/headGroupSpec/serviceType", "must be one of"},
		},
		"bad rayStartParams key": {
			values: `headGroupSpec: {rayStartParams: {"--num-cpus; rm": "1"}}`,
			want:   []string{"/headGroupSpec/rayStartParams", "--num-cpus; rm"},
		},
		"bad group name": {
			values: `workerGroupSpecs: [{groupName: GPU_Group, template: {spec: {containers: [{name: w, image: i}]}}}]`,
			want:   []string{"/workerGroupSpecs/0/groupName"},
		},
		"cluster name too long": {
			values: `cluster: {name: a-very-long-ray-cluster-name-that-is-over-47-chars}`,
			want:   []string{"/cluster/name", "maxLength"},
		},
		"numOfHosts not a number": {
			values: `workerGroupSpecs: [{groupName: g, numOfHosts: two, template: {spec: {containers: [{name: w, image: i}]}}}]`,
			want:   []string{"/workerGroupSpecs/0/numOfHosts"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Render(testChart(t), testRelease, testNamespace, parseValues(t, tc.values))
			if err == nil {
				t.Fatalf("values accepted:\n%s", tc.values)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestTemplateRejectsBadValues covers rules a JSON schema cannot express;
// the chart fails with a message naming the field.
func TestTemplateRejectsBadValues(t *testing.T) {
	tests := map[string]struct {
		release string
		values  string
		want    string
	}{
		"duplicate group names": {
			values: `workerGroupSpecs: [{groupName: g, template: {spec: {containers: [{name: w, image: i}]}}}, {groupName: g, template: {spec: {containers: [{name: w, image: i}]}}}]`,
			want:   `workerGroupSpecs[1].groupName: "g" is used by more than one worker group`,
		},
		"minReplicas above maxReplicas": {
			values: `workerGroupSpecs: [{groupName: g, minReplicas: 4, maxReplicas: 2, template: {spec: {containers: [{name: w, image: i}]}}}]`,
			want:   "workerGroupSpecs[0].minReplicas: 4 is greater than maxReplicas 2",
		},
		"worker name too long": {
			values: `{cluster: {name: abcdefghijabcdefghijabcdefghij}, workerGroupSpecs: [{groupName: klmnopqrstklmnopqrstklmnopqrst, template: {spec: {containers: [{name: w, image: i}]}}}]}`,
			want:   "workerGroupSpecs[0].groupName",
		},
		"release name too long for a default cluster name": {
			release: "release-name-that-is-more-than-forty-seven-chars",
			want:    "cluster.name",
		},
		"release name that is not DNS-1035": {
			release: "1st",
			want:    `cluster.name: "1st" is not a DNS-1035 label`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			release := tc.release
			if release == "" {
				release = testRelease
			}
			_, err := Render(testChart(t), release, testNamespace, parseValues(t, tc.values))
			if err == nil {
				t.Fatalf("values accepted:\n%s", tc.values)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error does not mention %q:\n%v", tc.want, err)
			}
		})
	}
}
