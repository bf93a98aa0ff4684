package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki holds the paths (and PEM contents) of the credentials of one data folder.
type pki struct {
	dir                                  string
	caCert, caKey                        string
	serverCert, serverKey                string
	adminCert, adminKey                  string
	serviceAccountKey, serviceAccountPub string
	caPEM, adminCertPEM, adminKeyPEM     []byte
}

func newPKI(dir string) *pki {
	p := func(name string) string { return filepath.Join(dir, name) }
	return &pki{
		dir:               dir,
		caCert:            p("ca.crt"),
		caKey:             p("ca.key"),
		serverCert:        p("apiserver.crt"),
		serverKey:         p("apiserver.key"),
		adminCert:         p("admin.crt"),
		adminKey:          p("admin.key"),
		serviceAccountKey: p("service-account.key"),
		serviceAccountPub: p("service-account.pub"),
	}
}

// ensureCerts creates a CA, a serving certificate for 127.0.0.1/localhost, an
// admin client certificate (group system:masters) and a service-account
// signing key in dir, or reuses them when a kept data folder has them all.
func ensureCerts(dir string) (*pki, error) {
	p := newPKI(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	all := []string{p.caCert, p.caKey, p.serverCert, p.serverKey, p.adminCert, p.adminKey, p.serviceAccountKey, p.serviceAccountPub}
	have := true
	for _, f := range all {
		if _, err := os.Stat(f); err != nil {
			have = false
			break
		}
	}
	if !have {
		if err := p.generate(); err != nil {
			return nil, err
		}
	}
	var err error
	if p.caPEM, err = os.ReadFile(p.caCert); err != nil {
		return nil, err
	}
	if p.adminCertPEM, err = os.ReadFile(p.adminCert); err != nil {
		return nil, err
	}
	if p.adminKeyPEM, err = os.ReadFile(p.adminKey); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *pki) generate() error {
	now := time.Now().Add(-time.Hour)
	notAfter := now.Add(10 * 365 * 24 * time.Hour)

	caKey, err := newKey()
	if err != nil {
		return err
	}
	caTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "kro-test-ca"},
		NotBefore:             now,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := sign(caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}

	serverKey, err := newKey()
	if err != nil {
		return err
	}
	serverTmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:   now,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1"), net.ParseIP("10.0.0.1")},
	}
	serverDER, err := sign(serverTmpl, ca, serverKey.Public(), caKey)
	if err != nil {
		return err
	}

	adminKey, err := newKey()
	if err != nil {
		return err
	}
	adminTmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kro-admin", Organization: []string{"system:masters"}},
		NotBefore:   now,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	adminDER, err := sign(adminTmpl, ca, adminKey.Public(), caKey)
	if err != nil {
		return err
	}

	saKey, err := newKey()
	if err != nil {
		return err
	}

	writes := []struct {
		path string
		data []byte
	}{
		{p.caCert, certPEM(caDER)},
		{p.serverCert, certPEM(serverDER)},
		{p.adminCert, certPEM(adminDER)},
	}
	for _, k := range []struct {
		path string
		key  *ecdsa.PrivateKey
	}{{p.caKey, caKey}, {p.serverKey, serverKey}, {p.adminKey, adminKey}} {
		b, err := keyPEM(k.key)
		if err != nil {
			return err
		}
		writes = append(writes, struct {
			path string
			data []byte
		}{k.path, b})
	}
	// kube-apiserver reads service-account keys as SEC1 ("EC PRIVATE KEY")
	// and the verifying key as PKIX ("PUBLIC KEY"); it does not take PKCS#8 there.
	saDER, err := x509.MarshalECPrivateKey(saKey)
	if err != nil {
		return err
	}
	saPubDER, err := x509.MarshalPKIXPublicKey(saKey.Public())
	if err != nil {
		return err
	}
	writes = append(writes,
		struct {
			path string
			data []byte
		}{p.serviceAccountKey, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: saDER})},
		struct {
			path string
			data []byte
		}{p.serviceAccountPub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPubDER})},
	)
	for _, w := range writes {
		if err := os.WriteFile(w.path, w.data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial.Add(serial, big.NewInt(1))
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("sign %q: %w", tmpl.Subject.CommonName, err)
	}
	return der, nil
}

func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// keyPEM writes PKCS#8 ("PRIVATE KEY"), which every client library reads.
func keyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	if der == nil {
		return nil, errors.New("empty key")
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
