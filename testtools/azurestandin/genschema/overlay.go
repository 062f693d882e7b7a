package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// overlay holds the facts the Go SDK sources do not carry. Each entry has a
// source so that a reader can check it without this repository's history.
type overlay struct {
	About string `json:"about"`
	// Unions: "<owner token>.<property>" -> the structs that make up a
	// property the SDK types as interface{}.
	Unions map[string]struct {
		Source   string   `json:"source"`
		Variants []string `json:"variants"`
	} `json:"unions"`
	// Required: "<owner token>" -> required arrays and maps of a nested type;
	// the SDK writes []T and map[string]T alike whether required or not.
	Required map[string]struct {
		Source string   `json:"source"`
		Add    []string `json:"add"`
	} `json:"required"`
	// Copied: whole entries of providers with no SDK module here.
	Copied struct {
		Source    string             `json:"source"`
		Resources map[string]*object `json:"resources"`
		Types     map[string]*object `json:"types"`
	} `json:"copied"`
	usedUnions map[string]bool
}

func readOverlay(path string) (*overlay, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ov overlay
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ov); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for k, u := range ov.Unions {
		if u.Source == "" || len(u.Variants) == 0 {
			return nil, fmt.Errorf("%s: unions[%s] needs a source and variants", path, k)
		}
	}
	for k, r := range ov.Required {
		if r.Source == "" || len(r.Add) == 0 {
			return nil, fmt.Errorf("%s: required[%s] needs a source and add", path, k)
		}
	}
	if len(ov.Copied.Resources) > 0 && ov.Copied.Source == "" {
		return nil, fmt.Errorf("%s: copied needs a source", path)
	}
	ov.usedUnions = map[string]bool{}
	return &ov, nil
}

// merge adds the copied entries and checks that every other overlay fact
// was used: a stale one (the SDK gained the fact, or the type left the
// schema) should be deleted, not kept silently.
func (ov *overlay) merge(s *schemaFile) error {
	for tok, o := range ov.Copied.Resources {
		if _, dup := s.Resources[tok]; dup {
			return fmt.Errorf("overlay copies %s, which the SDK modules give", tok)
		}
		s.Resources[tok] = o
	}
	for tok, o := range ov.Copied.Types {
		if _, dup := s.Types[tok]; dup {
			return fmt.Errorf("overlay copies %s, which the SDK modules give", tok)
		}
		s.Types[tok] = o
	}
	for k := range ov.Required {
		if s.Types[k] == nil && s.Resources[k] == nil {
			return fmt.Errorf("overlay required[%s]: no such type or resource in the schema", k)
		}
	}
	for k := range ov.Unions {
		if !ov.usedUnions[k] {
			return fmt.Errorf("overlay unions[%s]: no interface{} property there in the SDK", k)
		}
	}
	return nil
}
