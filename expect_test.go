package main

import (
	"fmt"
	"strings"
	"testing"
)

// failures records what expect reports instead of failing the test.
type failures []string

func (f *failures) Helper() {}

func (f *failures) Errorf(format string, args ...any) {
	*f = append(*f, fmt.Sprintf(format, args...))
}

func TestExpectFailsWhenBothSidesAreMissing(t *testing.T) {
	missing := map[string]any{}
	cases := []struct {
		name  string
		check check
		want  string // in the one failure, or "" for none
	}{
		{"equal", check{"x", "a", "a"}, ""},
		{"different", check{"x", "a", "b"}, "x = a, want b"},
		{"missing on both sides", check{"x", missing["got"], missing["want"]}, "x: want is <nil>"},
		{"empty on both sides", check{"x", "", ""}, `x: want is ""`},
		{"missing got", check{"x", missing["got"], "b"}, "x = <nil>, want b"},
		{"false is a value", check{"x", false, false}, ""},
	}
	for _, c := range cases {
		var got failures
		expect(&got, []check{c.check})
		switch {
		case c.want == "" && len(got) > 0:
			t.Errorf("%s: expect failed: %q", c.name, got)
		case c.want != "" && (len(got) != 1 || !strings.Contains(got[0], c.want)):
			t.Errorf("%s: expect reported %q, want one failure containing %q", c.name, got, c.want)
		}
	}
}
