package main

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

// logServer serves /containerLogs/{namespace}/{pod}/{container}, the
// kubelet endpoint behind `kubectl logs`, to clients with a certificate
// from clientCA (the API server).
func (a *agent) logServer(listen, cert, key, clientCA string) (*http.Server, net.Listener, error) {
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, nil, err
	}
	caPEM, err := os.ReadFile(clientCA)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	ln, err := tls.Listen("tcp", listen, &tls.Config{
		Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12,
	})
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", a.containerLogs)
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, ln, nil
}

func (a *agent) containerLogs(w http.ResponseWriter, req *http.Request) {
	a.mu.Lock()
	r := a.byName[req.PathValue("namespace")+"/"+req.PathValue("pod")]
	a.mu.Unlock()
	if r == nil || r.container != req.PathValue("container") {
		http.Error(w, "no such container on this node", http.StatusNotFound)
		return
	}
	data, _ := os.ReadFile(r.logFile)
	q := req.URL.Query()
	if n, err := strconv.Atoi(q.Get("tailLines")); err == nil && n >= 0 {
		data = tailLines(data, n)
	}
	if n, err := strconv.Atoi(q.Get("limitBytes")); err == nil && n >= 0 && n < len(data) {
		data = data[:n]
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write(data)
	if q.Get("follow") != "true" {
		return
	}
	flusher, _ := w.(http.Flusher)
	off := int64(len(data))
	for {
		select {
		case <-req.Context().Done():
			return
		case <-r.done:
			if more, err := readFrom(r.logFile, off); err == nil {
				_, _ = w.Write(more)
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
		more, err := readFrom(r.logFile, off)
		if err != nil || len(more) == 0 {
			continue
		}
		off += int64(len(more))
		_, _ = w.Write(more)
		if flusher != nil {
			flusher.Flush()
		}
	}
}

func readFrom(path string, off int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() <= off {
		return nil, err
	}
	buf := make([]byte, st.Size()-off)
	_, err = f.ReadAt(buf, off)
	return buf, err
}

func tailLines(data []byte, n int) []byte {
	count := 0
	for i := len(data) - 1; i >= 0; i-- {
		if data[i] == '\n' && i != len(data)-1 {
			count++
			if count == n {
				return data[i+1:]
			}
		}
	}
	if n == 0 {
		return nil
	}
	return data
}
