package dataplane

import (
	"fmt"
	"net/http"
	"time"
)

// Entra's answers for a credential that does not match yet (Config.FICCode,
// SetPropagation): 70021 (the default, Entra's "Time for federated
// credential changes to propagate") or 700213, the answer for a subject no
// credential has, which users meet on freshly made credentials
// (Azure/azure-workload-identity#1200) and intermittently on settled ones
// (kedacore/keda#8152).
const (
	FICCodePropagating = "70021"
	FICCodeSubject     = "700213"
)

func checkFICCode(code string) error {
	if code != FICCodePropagating && code != FICCodeSubject {
		return fmt.Errorf("dataplane: FIC code %q: want %s or %s", code, FICCodePropagating, FICCodeSubject)
	}
	return nil
}

// SetPropagation changes, from now on, Entra's answer while a credential
// propagates (FICCodePropagating or FICCodeSubject; "" keeps it) and how
// long a new model deployment takes to answer: a test's way to give a
// running world these knobs.
func (s *Server) SetPropagation(ficCode string, deployment time.Duration) error {
	if ficCode != "" {
		if err := checkFICCode(ficCode); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ficCode != "" {
		s.ficCode = ficCode
	}
	s.deployment = deployment
	return nil
}

// ficPropagating answers a request that a credential still propagating
// would match. 700213 is word for word the answer for a subject no
// credential has: a client cannot tell the two apart.
func (s *Server) ficPropagating(w http.ResponseWriter, sub, hint string) {
	s.mu.Lock()
	code := s.ficCode
	s.mu.Unlock()
	if code == FICCodeSubject {
		s.aadError(w, 400, "invalid_client", FICCodeSubject, "No matching federated identity record found for presented assertion subject '%s'. %s", sub, hint)
		return
	}
	s.aadError(w, 400, "invalid_client", FICCodePropagating, "No matching federated identity record found for presented assertion.")
}

// deploymentPropagating tells whether a model deployment created at
// created does not answer yet.
func (s *Server) deploymentPropagating(created time.Time) bool {
	s.mu.Lock()
	delay := s.deployment
	s.mu.Unlock()
	return s.cfg.Now().Before(created.Add(delay))
}
