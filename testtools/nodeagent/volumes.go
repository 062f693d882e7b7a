package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// mount writes a volume's files under its mount path in the root folder.
// Only projected service account tokens exist here (refusals checks).
func (r *podRun) mount(ctx context.Context, pod *corev1.Pod, p *process, m corev1.VolumeMount) error {
	for _, v := range pod.Spec.Volumes {
		if v.Name != m.Name {
			continue
		}
		if v.Projected == nil {
			return fmt.Errorf("volume %s: only projected volumes here", v.Name)
		}
		for _, s := range v.Projected.Sources {
			if s.ServiceAccountToken == nil {
				return fmt.Errorf("volume %s: only serviceAccountToken sources here", v.Name)
			}
			tok, err := r.token(ctx, pod, s.ServiceAccountToken)
			if err != nil {
				return fmt.Errorf("MountVolume.SetUp failed for volume %q: %v", v.Name, err)
			}
			path := filepath.Join(m.MountPath, s.ServiceAccountToken.Path)
			if err := p.file(path, []byte(tok), 0o400, true); err != nil {
				return err
			}
			p.tokens = append(p.tokens, tokenFile{path: path, source: s.ServiceAccountToken})
		}
		return nil
	}
	return fmt.Errorf("volume mount %s: no such volume", m.Name)
}

// token asks the API server for a token bound to the pod, as the kubelet
// does for a projected serviceAccountToken source.
func (r *podRun) token(ctx context.Context, pod *corev1.Pod, src *corev1.ServiceAccountTokenProjection) (string, error) {
	exp := int64(3600)
	if src.ExpirationSeconds != nil {
		exp = *src.ExpirationSeconds
	}
	var aud []string
	if src.Audience != "" {
		aud = []string{src.Audience}
	}
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	tr, err := r.a.kube.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, &authv1.TokenRequest{
		Spec: authv1.TokenRequestSpec{
			Audiences: aud, ExpirationSeconds: &exp,
			BoundObjectRef: &authv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	return tr.Status.Token, nil
}

// refreshTokens rewrites each token at 80% of its lifetime, as the kubelet does.
func (r *podRun) refreshTokens(pod *corev1.Pod, p *process, stop <-chan struct{}) {
	for _, t := range p.tokens {
		go func(t tokenFile) {
			for {
				exp := int64(3600)
				if t.source.ExpirationSeconds != nil {
					exp = *t.source.ExpirationSeconds
				}
				select {
				case <-stop:
					return
				case <-time.After(time.Duration(exp) * time.Second * 8 / 10):
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				tok, err := r.token(ctx, pod, t.source)
				cancel()
				if err == nil {
					err = p.file(t.path, []byte(tok), 0o400, true)
				}
				if err != nil {
					r.logf("token refresh: %v", err)
				}
			}
		}(t)
	}
}
