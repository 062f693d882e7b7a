package standin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Object is one Azure resource as ARM holds it, keyed in State by its ARM id
// (lowercased, as ARM ids are case-insensitive).
type Object struct {
	// ID is the ARM id as returned to Pulumi.
	ID string `json:"id"`
	// Type is the azure-native type token that created it.
	Type string `json:"type"`
	// URN is the Pulumi URN that owns it; empty for objects Azure made on its
	// own (Service Connector's federated credential and role assignment).
	URN     string         `json:"urn,omitempty"`
	Inputs  map[string]any `json:"inputs"`
	Outputs map[string]any `json:"outputs"`
	// ManagedBy is the ARM id of the Linker whose Service Connector made this.
	ManagedBy string    `json:"managedBy,omitempty"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
	// BusyUntil is when a cluster's background operation ends
	// (AZURE_STANDIN_CLUSTER_BUSY); until then AKS refuses other operations.
	BusyUntil time.Time `json:"busyUntil,omitzero"`
}

// Output reads a string output by dotted path.
func (o *Object) Output(path string) string {
	return lookupString(o.Outputs, path)
}

// Input reads a string input by dotted path.
func (o *Object) Input(path string) string {
	return lookupString(o.Inputs, path)
}

func lookupString(m map[string]any, path string) string {
	var cur any = m
	for _, p := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = mm[p]
	}
	s, _ := cur.(string)
	return s
}

// SoftDeleted is a deleted Cognitive Services account, which Azure keeps
// (and whose subdomain it keeps reserved) for 48 hours.
type SoftDeleted struct {
	ID        string    `json:"id"`
	Subdomain string    `json:"subdomain"`
	Deleted   time.Time `json:"deleted"`
}

// State is everything the stand-in knows, shared by every plugin process
// and the data plane through one JSON file.
type State struct {
	Objects map[string]*Object `json:"objects"`
	// Counters count fault-eligible operations ("Linker:create") and ACR
	// run ids ("acr-run") across processes.
	Counters map[string]int `json:"counters"`
	// Autonames maps a URN to the name Check generated for it, so Diff knows
	// whether a replacement can create before deleting.
	Autonames   map[string]string      `json:"autonames"`
	SoftDeleted map[string]SoftDeleted `json:"softDeleted"`
	// FICWrites holds, per identity (lowercased id), until when a write
	// of its federated credentials is in flight, in any plugin process.
	FICWrites map[string]time.Time `json:"ficWrites"`
	// AccountWrites holds, per OpenAI account (lowercased id), until when
	// a write of it or of one of its deployments is in flight.
	AccountWrites map[string]time.Time `json:"accountWrites"`
	// EntraTokens are the unexpired-or-not tokens for AKS getClientToken
	// issued, by token.
	EntraTokens map[string]EntraToken `json:"entraTokens"`
}

// Get returns the object with this ARM id, or nil.
func (s *State) Get(id string) *Object {
	return s.Objects[key(id)]
}

// Put stores o under its ARM id.
func (s *State) Put(o *Object) {
	s.Objects[key(o.ID)] = o
}

// Remove deletes the object with this ARM id and, as ARM does, everything
// nested under it (a resource group's resources, an account's deployments).
// It returns the objects removed, sorted by id.
func (s *State) Remove(id string) []*Object {
	k := key(id)
	var gone []*Object
	for ok, o := range s.Objects {
		if ok == k || strings.HasPrefix(ok, k+"/") {
			gone = append(gone, o)
			delete(s.Objects, ok)
		}
	}
	sort.Slice(gone, func(i, j int) bool { return gone[i].ID < gone[j].ID })
	return gone
}

// Find returns the objects of a type token (any version) matching pred,
// sorted by id.
func (s *State) Find(shortType string, pred func(*Object) bool) []*Object {
	var out []*Object
	for _, o := range s.Objects {
		if ShortType(o.Type) != shortType {
			continue
		}
		if pred == nil || pred(o) {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Count increments and returns a named counter.
func (s *State) Count(name string) int {
	s.Counters[name]++
	return s.Counters[name]
}

func key(id string) string { return strings.ToLower(strings.TrimSuffix(id, "/")) }

// ShortType is a type token's last segment: "Registry" for
// "azure-native:containerregistry/v20230101preview:Registry".
func ShortType(token string) string {
	if i := strings.LastIndex(token, ":"); i >= 0 {
		return token[i+1:]
	}
	return token
}

// Store is the state file in a directory, guarded by an flock'd lock file
// and replaced atomically on every write.
type Store struct {
	Dir string
}

const stateFile = "state.json"

// Path is the state file's path.
func (st Store) Path() string { return filepath.Join(st.Dir, stateFile) }

// View reads the state under the lock.
func (st Store) View(fn func(*State) error) error {
	return st.with(false, fn)
}

// Update reads the state under the lock, runs fn, and writes the state back
// unless fn fails.
func (st Store) Update(fn func(*State) error) error {
	return st.with(true, fn)
}

func (st Store) with(write bool, fn func(*State) error) error {
	if st.Dir == "" {
		return errors.New("azure stand-in: AZURE_STANDIN_STATE is not set")
	}
	if err := os.MkdirAll(st.Dir, 0o755); err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(st.Dir, "state.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	how := syscall.LOCK_SH
	if write {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(lock.Fd()), how); err != nil {
		return fmt.Errorf("locking the stand-in state: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck

	s, err := st.read()
	if err != nil {
		return err
	}
	if err := fn(s); err != nil {
		return err
	}
	if !write {
		return nil
	}
	return st.write(s)
}

func (st Store) read() (*State, error) {
	s := &State{}
	data, err := os.ReadFile(st.Path())
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(data, s); err != nil {
			return nil, fmt.Errorf("the stand-in state %s is corrupt: %w", st.Path(), err)
		}
	}
	if s.Objects == nil {
		s.Objects = map[string]*Object{}
	}
	if s.Counters == nil {
		s.Counters = map[string]int{}
	}
	if s.Autonames == nil {
		s.Autonames = map[string]string{}
	}
	if s.SoftDeleted == nil {
		s.SoftDeleted = map[string]SoftDeleted{}
	}
	if s.FICWrites == nil {
		s.FICWrites = map[string]time.Time{}
	}
	if s.AccountWrites == nil {
		s.AccountWrites = map[string]time.Time{}
	}
	if s.EntraTokens == nil {
		s.EntraTokens = map[string]EntraToken{}
	}
	return s, nil
}

func (st Store) write(s *State) error {
	data, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(st.Dir, ".state-*.json")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), st.Path())
}
