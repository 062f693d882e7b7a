package dataplane

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// jwksFromAPIServer fetches the keys that sign service account tokens.
func (s *Server) jwksFromAPIServer(ctx context.Context) ([]byte, error) {
	if s.cfg.JWKS != nil {
		return s.cfg.JWKS(ctx)
	}
	host := strings.TrimSuffix(s.cfg.KubeAPIServerURL, "/")
	var client *http.Client
	if s.cfg.Kubeconfig != "" {
		rc, err := clientcmd.BuildConfigFromFlags("", s.cfg.Kubeconfig)
		if err != nil {
			return nil, err
		}
		if host == "" {
			host = strings.TrimSuffix(rc.Host, "/")
		}
		if client, err = rest.HTTPClientFor(rc); err != nil {
			return nil, err
		}
	} else {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if s.cfg.KubeCAFile != "" {
			data, err := os.ReadFile(s.cfg.KubeCAFile)
			if err != nil {
				return nil, err
			}
			pool.AppendCertsFromPEM(data)
		}
		client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	}
	if host == "" {
		return nil, errors.New("no Kubernetes API server to fetch the service account keys from")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, host+"/openid/v1/jwks", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/openid/v1/jwks: HTTP %d: %s", host, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return body, nil
}
