// Command kro-apiserver runs etcd (embedded) and the real kube-apiserver in one
// process on 127.0.0.1, for kro-rs' end-to-end tests and demo.
//
// It generates a CA, a serving certificate and an admin client certificate
// (group system:masters), writes a kubeconfig, waits until /readyz answers and
// then prints exactly one line on stdout:
//
//	READY <kubeconfig path> <server URL>
//
// Everything else (its own messages, etcd's and the API server's logs) goes to
// stderr, or to --log-file.
//
// It stops cleanly and removes what it created on SIGTERM/SIGINT, when its
// standard input reaches end of file, and when its parent process dies (unless
// --daemon), so a test run that crashes cannot leave it behind.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const tmpPrefix = "kro-apiserver-"

type config struct {
	port       int
	dataDir    string
	kubeconfig string
	logFile    string
	daemon     bool
	etcdLog    string
	fsync      bool
	verbosity  int
	extra      []string
}

func usage() {
	fmt.Fprintf(os.Stderr, `Usage: kro-apiserver [flags] [-- kube-apiserver flags...]

Runs embedded etcd and kube-apiserver on 127.0.0.1 and prints
"READY <kubeconfig> <server URL>" on stdout once /readyz answers.
Stops on SIGTERM/SIGINT, on end of standard input and when the parent dies
(the last two not with --daemon).

Flags:
`)
	flag.PrintDefaults()
}

func parseFlags() config {
	var c config
	flag.Usage = usage
	flag.IntVar(&c.port, "port", 0, "secure port of the API server on 127.0.0.1 (0 = a free port)")
	flag.StringVar(&c.dataDir, "data-dir", "", "folder for etcd data, certificates and keys; kept after exit (empty = a fresh temporary folder, removed on exit)")
	flag.StringVar(&c.kubeconfig, "kubeconfig", "", "where to write the admin kubeconfig; removed on exit (default <data dir>/kubeconfig)")
	flag.StringVar(&c.logFile, "log-file", "", "append logs to this file instead of stderr")
	flag.BoolVar(&c.daemon, "daemon", false, "keep running when standard input closes or the parent dies (for make cluster-up); stop with SIGTERM")
	flag.StringVar(&c.etcdLog, "etcd-log-level", "error", "etcd log level (debug, info, warn, error)")
	flag.BoolVar(&c.fsync, "fsync", false, "let etcd fsync its writes (off by default: faster, and test data need not survive a machine crash)")
	flag.IntVar(&c.verbosity, "v", 0, "kube-apiserver log verbosity")
	flag.Parse()
	c.extra = flag.Args()
	if c.port < 0 || c.port > 65535 {
		fatalf("--port %d is out of range", c.port)
	}
	return c
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kro-apiserver: "+format+"\n", args...)
}

func fatalf(format string, args ...any) {
	logf(format, args...)
	os.Exit(1)
}

// cleanup holds what this run created, removed in reverse order on exit.
type cleanup struct {
	mu    sync.Mutex
	paths []string
}

func (c *cleanup) add(p string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.paths = append(c.paths, p)
}

func (c *cleanup) run() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.paths) - 1; i >= 0; i-- {
		if err := os.RemoveAll(c.paths[i]); err != nil {
			logf("cannot remove %s: %v", c.paths[i], err)
		}
	}
	c.paths = nil
}

func main() {
	cfg := parseFlags()
	os.Exit(run(cfg))
}

func run(cfg config) int {
	if cfg.logFile != "" {
		f, err := os.OpenFile(cfg.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fatalf("cannot open --log-file: %v", err)
		}
		// Everything (klog, etcd's zap logger, our own messages) writes to fd 2.
		if err := syscall.Dup2(int(f.Fd()), 2); err != nil {
			fatalf("cannot redirect stderr to %s: %v", cfg.logFile, err)
		}
		_ = f.Close()
	}

	// A write to a closed stdout/stderr pipe (the test process that read them
	// is gone) must not kill us with SIGPIPE before we clean up.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)

	var clean cleanup
	defer clean.run()

	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	watchStop(ctx, cancel, cfg.daemon)

	dataDir := cfg.dataDir
	if dataDir == "" {
		removeStaleRuns()
		d, err := os.MkdirTemp("", tmpPrefix)
		if err != nil {
			logf("cannot create a data folder: %v", err)
			return 1
		}
		clean.add(d)
		dataDir = d
		// Lets a later run remove this folder if we are killed with SIGKILL.
		_ = os.WriteFile(filepath.Join(d, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644)
	} else {
		abs, err := filepath.Abs(dataDir)
		if err != nil {
			logf("bad --data-dir: %v", err)
			return 1
		}
		dataDir = abs
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			logf("cannot create --data-dir: %v", err)
			return 1
		}
	}

	kubeconfig := cfg.kubeconfig
	if kubeconfig == "" {
		kubeconfig = filepath.Join(dataDir, "kubeconfig")
	}
	kubeconfig, err := filepath.Abs(kubeconfig)
	if err != nil {
		logf("bad --kubeconfig: %v", err)
		return 1
	}

	certs, err := ensureCerts(filepath.Join(dataDir, "pki"))
	if err != nil {
		logf("cannot create certificates: %v", err)
		return 1
	}

	listener, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.port)))
	if err != nil {
		logf("cannot listen on 127.0.0.1:%d: %v", cfg.port, err)
		return 1
	}
	port := listener.Addr().(*net.TCPAddr).Port
	serverURL := fmt.Sprintf("https://127.0.0.1:%d", port)

	started := time.Now()
	etcd, err := startEtcd(ctx, filepath.Join(dataDir, "etcd"), cfg)
	if err != nil {
		listener.Close()
		logf("cannot start etcd: %v", err)
		return 1
	}
	logf("etcd ready at %s after %s", etcd.url, time.Since(started).Round(time.Millisecond))

	apiDone := make(chan error, 1)
	go func() {
		apiDone <- runAPIServer(ctx, listener, port, dataDir, certs, etcd.url, cfg)
	}()

	if err := writeKubeconfig(kubeconfig, serverURL, certs); err != nil {
		logf("cannot write kubeconfig: %v", err)
		cancel(err)
	} else {
		clean.add(kubeconfig)
	}

	readyCh := make(chan error, 1)
	go func() { readyCh <- waitReady(ctx, serverURL, certs) }()

	exit := 0
	apiStopped := false
	select {
	case err := <-readyCh:
		if err != nil {
			if ctx.Err() == nil {
				logf("API server did not become ready: %v", err)
				exit = 1
			}
			cancel(err)
			break
		}
		logf("ready after %s", time.Since(started).Round(time.Millisecond))
		fmt.Fprintf(os.Stdout, "READY %s %s\n", kubeconfig, serverURL)
		_ = os.Stdout.Sync()
	case err := <-apiDone:
		logf("API server stopped before it was ready: %v", err)
		apiStopped = true
		exit = 1
		cancel(err)
	}

	if !apiStopped {
		select {
		case <-ctx.Done():
			if c := context.Cause(ctx); c != nil && !errors.Is(c, context.Canceled) {
				logf("stopping: %v", c)
			}
			// Give the API server a bounded time to shut down, then stop etcd.
			select {
			case err := <-apiDone:
				if err != nil && exit == 0 {
					logf("API server: %v", err)
				}
			case <-time.After(20 * time.Second):
				logf("API server did not stop within 20s; stopping anyway")
			}
		case err := <-apiDone:
			logf("API server stopped unexpectedly: %v", err)
			exit = 1
			cancel(err)
		}
	}
	etcd.stop()
	logf("stopped")
	return exit
}

type stopReason string

func (s stopReason) Error() string { return string(s) }

// watchStop cancels ctx on SIGTERM/SIGINT and, unless daemon, on end of stdin
// or when the parent process goes away. A second signal exits at once (after
// removing nothing: the next fresh run removes stale folders).
func watchStop(ctx context.Context, cancel context.CancelCauseFunc, daemon bool) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	go func() {
		s := <-sigs
		cancel(stopReason("received " + s.String()))
		s = <-sigs
		logf("received %s again; exiting now", s)
		os.Exit(1)
	}()
	if daemon {
		return
	}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel(stopReason("standard input closed"))
	}()
	parent := os.Getppid()
	go func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if os.Getppid() != parent {
					cancel(stopReason("parent process exited"))
					return
				}
			}
		}
	}()
}

// removeStaleRuns deletes temporary folders of earlier runs whose process no
// longer exists (killed with SIGKILL, say).
func removeStaleRuns() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), tmpPrefix+"*"))
	for _, dir := range matches {
		b, err := os.ReadFile(filepath.Join(dir, "owner.pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			logf("removing stale %s (process %d is gone)", dir, pid)
			_ = os.RemoveAll(dir)
		}
	}
}
