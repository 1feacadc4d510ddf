/*
Copyright 2026 The ray-ha-operator Authors.
*/

package v1_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"testing"
)

// conditionWord is the pattern metav1.Condition's schema imposes on type
// names (without a domain prefix) and reasons; a constant that breaks it
// would make every status write that uses it fail.
var conditionWord = regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$`)

// TestConditionConstants reads every string constant of conditions.go and
// checks it against the API server's pattern, and that no two condition
// types share a value.
func TestConditionConstants(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "conditions.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	count := 0
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				value, _ := strconv.Unquote(lit.Value)
				count++
				if !conditionWord.MatchString(value) || len(value) > 316 {
					t.Errorf("%s = %q is not a valid condition type or reason", name.Name, value)
				}
				if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "RayClusterConditionType" {
					if prev, dup := types[value]; dup {
						t.Errorf("condition types %s and %s are both %q", prev, name.Name, value)
					}
					types[value] = name.Name
				}
			}
		}
	}
	if len(types) != 11 || count < 40 {
		t.Errorf("found %d condition types and %d constants; want the 11 types and all their reasons", len(types), count)
	}
}
