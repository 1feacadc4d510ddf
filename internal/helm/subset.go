package helm

import (
	"k8s.io/apimachinery/pkg/api/resource"
)

// subset reports whether want is contained in live: maps by key (keys absent
// from want are ignored), lists element by element (matched by "name" when
// every wanted element has one, so additions by others are tolerated),
// scalars by value. Numbers compare by value whatever their Go type, and
// strings that are equal quantities ("1Gi", "1024Mi") are equal, because the
// API server canonicalizes quantities.
func subset(want, live any) bool {
	switch w := want.(type) {
	case nil:
		return true
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return len(w) == 0 && live == nil
		}
		for k, wv := range w {
			if !subset(wv, l[k]) {
				return false
			}
		}
		return true
	case []any:
		l, ok := live.([]any)
		if !ok {
			return len(w) == 0 && live == nil
		}
		return subsetList(w, l)
	default:
		return scalarEqual(want, live)
	}
}

func subsetList(want, live []any) bool {
	if byName, ok := indexByName(want); ok {
		liveByName, _ := indexByName(live)
		for name, wv := range byName {
			lv, found := liveByName[name]
			if !found || !subset(wv, lv) {
				return false
			}
		}
		return true
	}
	if len(want) != len(live) {
		return false
	}
	for i := range want {
		if !subset(want[i], live[i]) {
			return false
		}
	}
	return true
}

// indexByName maps list elements by their "name" field; ok is false when an
// element is not a map with a string name.
func indexByName(list []any) (map[string]any, bool) {
	out := make(map[string]any, len(list))
	for _, e := range list {
		m, isMap := e.(map[string]any)
		if !isMap {
			return nil, false
		}
		name, isString := m["name"].(string)
		if !isString {
			return nil, false
		}
		out[name] = m
	}
	return out, len(list) > 0
}

func scalarEqual(want, live any) bool {
	if wf, ok := toFloat(want); ok {
		lf, ok := toFloat(live)
		return ok && wf == lf
	}
	ws, wok := want.(string)
	ls, lok := live.(string)
	if wok && lok {
		if ws == ls {
			return true
		}
		wq, err1 := resource.ParseQuantity(ws)
		lq, err2 := resource.ParseQuantity(ls)
		return err1 == nil && err2 == nil && wq.Cmp(lq) == 0
	}
	return want == live
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	return 0, false
}
