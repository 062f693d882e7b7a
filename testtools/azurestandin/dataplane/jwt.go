package dataplane

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// claims are the service account token claims Entra ID matches.
type claims struct {
	Iss string
	Sub string
	Aud []string
	Exp time.Time
	Nbf time.Time
}

// assertionError is a rejected client assertion, with Entra ID's code.
type assertionError struct {
	code, aadsts, msg string
}

func (e *assertionError) Error() string { return "AADSTS" + e.aadsts + ": " + e.msg }

func malformed(format string, args ...any) error {
	return &assertionError{"invalid_request", "50027", "JWT token is invalid or malformed. " + fmt.Sprintf(format, args...)}
}

// clockSkew is the leeway Entra ID gives assertion times.
const clockSkew = 5 * time.Minute

// verify checks the assertion's signature against the API server's keys and
// its validity period, and returns its claims.
func (s *Server) verify(ctx context.Context, assertion string) (*claims, error) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return nil, malformed("It has %d parts instead of 3.", len(parts))
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, malformed("Its header is not JSON: %v.", err)
	}
	var payload struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
		Exp *float64        `json:"exp"`
		Nbf *float64        `json:"nbf"`
	}
	if err := decodeSegment(parts[1], &payload); err != nil {
		return nil, malformed("Its payload is not JSON: %v.", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, malformed("Its signature is not base64url.")
	}
	key, err := s.key(ctx, header.Kid)
	if err != nil {
		return nil, err
	}
	if key == nil {
		return nil, &assertionError{"invalid_client", "700027", fmt.Sprintf("Client assertion failed signature validation. (Reason - The key was not found., Thumbprint of key used by client: '%s')", header.Kid)}
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	valid := false
	switch k := key.(type) {
	case *rsa.PublicKey:
		valid = header.Alg == "RS256" && rsa.VerifyPKCS1v15(k, crypto.SHA256, digest[:], sig) == nil
	case *ecdsa.PublicKey:
		if header.Alg == "ES256" && len(sig) == 64 {
			valid = ecdsa.Verify(k, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
		}
	}
	if !valid {
		return nil, &assertionError{"invalid_client", "700027", "Client assertion failed signature validation. (Reason - The provided signature value did not match the expected signature value.)"}
	}
	c := &claims{Iss: payload.Iss, Sub: payload.Sub}
	if len(payload.Aud) > 0 {
		var one string
		if json.Unmarshal(payload.Aud, &one) == nil {
			c.Aud = []string{one}
		} else if err := json.Unmarshal(payload.Aud, &c.Aud); err != nil {
			return nil, malformed("Its aud claim is neither a string nor a list of strings.")
		}
	}
	if payload.Exp == nil {
		return nil, malformed("It has no exp claim.")
	}
	c.Exp = time.Unix(int64(*payload.Exp), 0)
	now := s.cfg.Now()
	if payload.Nbf != nil {
		c.Nbf = time.Unix(int64(*payload.Nbf), 0)
	}
	if now.After(c.Exp.Add(clockSkew)) || (!c.Nbf.IsZero() && now.Add(clockSkew).Before(c.Nbf)) {
		return nil, &assertionError{"invalid_client", "700024", fmt.Sprintf("Client assertion is not within its valid time range. Current time: %s, assertion valid from %s, expiry time of assertion %s.",
			now.UTC().Format(time.RFC3339), c.Nbf.UTC().Format(time.RFC3339), c.Exp.UTC().Format(time.RFC3339))}
	}
	return c, nil
}

func decodeSegment(seg string, v any) error {
	data, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// key returns the public key with this kid (nil when none), fetching the
// API server's JWKS when the kid is not cached yet.
func (s *Server) key(ctx context.Context, kid string) (any, error) {
	s.mu.Lock()
	k, ok := s.jwks[kid]
	s.mu.Unlock()
	if ok {
		return k, nil
	}
	raw, err := s.jwksFromAPIServer(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := parseJWKS(raw)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.jwks = keys
	s.mu.Unlock()
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	// A token without kid verifies against the only key there is.
	if kid == "" && len(keys) == 1 {
		for _, k := range keys {
			return k, nil
		}
	}
	return nil, nil
}

func parseJWKS(raw []byte) (map[string]any, error) {
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			N   string `json:"n"`
			E   string `json:"e"`
			Crv string `json:"crv"`
			X   string `json:"x"`
			Y   string `json:"y"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, fmt.Errorf("the service account issuer's JWKS is not JSON: %w", err)
	}
	out := map[string]any{}
	b := func(s string) *big.Int {
		d, _ := base64.RawURLEncoding.DecodeString(s)
		return new(big.Int).SetBytes(d)
	}
	for _, k := range set.Keys {
		switch k.Kty {
		case "RSA":
			out[k.Kid] = &rsa.PublicKey{N: b(k.N), E: int(b(k.E).Int64())}
		case "EC":
			if k.Crv == "P-256" {
				out[k.Kid] = &ecdsa.PublicKey{Curve: elliptic.P256(), X: b(k.X), Y: b(k.Y)}
			}
		}
	}
	return out, nil
}
