package dataplane

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

type statusWriter struct {
	http.ResponseWriter
	status int
	detail string
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) logged(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.cfg.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		if s.cfg.Log == "" {
			return
		}
		line := fmt.Sprintf("%s dataplane pid=%d method=%s path=%s status=%d dur=%s detail=%s",
			start.UTC().Format(time.RFC3339Nano), os.Getpid(), r.Method, r.URL.Path, sw.status,
			s.cfg.Now().Sub(start).Round(time.Millisecond), strings.ReplaceAll(sw.detail, "\n", " "))
		if f, err := os.OpenFile(s.cfg.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
			_, _ = f.WriteString(line + "\n")
			_ = f.Close()
		}
	})
}

func detail(w http.ResponseWriter, d string) {
	if sw, ok := w.(*statusWriter); ok {
		sw.detail = d
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
