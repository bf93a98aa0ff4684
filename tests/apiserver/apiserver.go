package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/rest"
	basecompatibility "k8s.io/component-base/compatibility"
	"k8s.io/component-base/featuregate"
	logsapi "k8s.io/component-base/logs/api/v1"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
	"k8s.io/kubernetes/cmd/kube-apiserver/app/options"

	_ "k8s.io/component-base/metrics/prometheus/clientgo" // as cmd/kube-apiserver does
	_ "k8s.io/component-base/metrics/prometheus/version"
	_ "time/tzdata"
)

// apiServerArgs are the kube-apiserver flags this harness always sets; flags
// given after "--" on our command line come later and so take precedence.
func apiServerArgs(port int, dataDir string, p *pki, etcdURL string, c config) []string {
	args := []string{
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--cert-dir=" + filepath.Join(dataDir, "pki"),
		"--tls-cert-file=" + p.serverCert,
		"--tls-private-key-file=" + p.serverKey,
		"--client-ca-file=" + p.caCert,
		"--etcd-servers=" + etcdURL,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.serviceAccountPub,
		"--service-account-signing-key-file=" + p.serviceAccountKey,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--authorization-mode=RBAC",
		// No controller-manager runs here, so no "default" ServiceAccount is
		// ever created; the ServiceAccount admission plugin would then reject
		// every Pod.
		"--disable-admission-plugins=ServiceAccount",
		// Nothing else serves 127.0.0.1 as the "kubernetes" Service endpoint.
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		"--profiling=false",
		"--v=" + strconv.Itoa(c.verbosity),
	}
	return append(args, c.extra...)
}

// runAPIServer configures kube-apiserver exactly as its command does and runs
// it until ctx is cancelled, serving on the given (already bound) listener.
func runAPIServer(ctx context.Context, listener net.Listener, port int, dataDir string, p *pki, etcdURL string, c config) error {
	s := options.NewServerRunOptions()
	fs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	for _, f := range s.Flags().FlagSets {
		fs.AddFlagSet(f)
	}
	args := apiServerArgs(port, dataDir, p, etcdURL, c)
	if err := fs.Parse(args); err != nil {
		listener.Close()
		return fmt.Errorf("kube-apiserver flags: %w", err)
	}
	s.SecureServing.Listener = listener
	s.SecureServing.BindPort = port

	registry := s.GenericServerRunOptions.ComponentGlobalsRegistry
	if err := registry.Set(); err != nil {
		return err
	}
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	featureGate := registry.FeatureGateFor(basecompatibility.DefaultKubeComponent)
	if err := logsapi.ValidateAndApply(s.Logs, featureGate); err != nil {
		return err
	}
	completed, err := s.Complete(ctx)
	if err != nil {
		return err
	}
	if errs := completed.Validate(); len(errs) != 0 {
		return utilerrors.NewAggregate(errs)
	}
	featureGate.(featuregate.MutableFeatureGate).AddMetrics()
	registry.AddMetrics()
	return app.Run(ctx, completed)
}

func writeKubeconfig(path, server string, p *pki) error {
	b64 := base64.StdEncoding.EncodeToString
	content := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: kro-test
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: kro-admin
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: kro-test
  context:
    cluster: kro-test
    user: kro-admin
    namespace: default
current-context: kro-test
`, server, b64(p.caPEM), b64(p.adminCertPEM), b64(p.adminKeyPEM))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// waitReady polls /readyz with the admin credentials until it answers 200 and
// the "default" namespace exists (created by a post-start controller).
func waitReady(ctx context.Context, server string, p *pki) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(p.caPEM)
	cert, err := tls.X509KeyPair(p.adminCertPEM, p.adminKeyPEM)
	if err != nil {
		return err
	}
	client := &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}},
			DisableKeepAlives: true,
		},
	}
	get := func(path string) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, server+path, nil)
		resp, err := client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(3 * time.Minute)
	last := ""
	for _, path := range []string{"/readyz", "/api/v1/namespaces/default"} {
		for {
			code, body := get(path)
			if code == http.StatusOK {
				break
			}
			last = fmt.Sprintf("GET %s: %d %s", path, code, strings.TrimSpace(body))
			if time.Now().After(deadline) {
				return fmt.Errorf("not ready after 3 minutes; last answer: %s", last)
			}
			select {
			case <-ctx.Done():
				return context.Cause(ctx)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}
