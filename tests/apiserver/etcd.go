package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

type etcdServer struct {
	url string
	e   *embed.Etcd
}

// startEtcd starts a single-member etcd in this process, listening for
// clients (plain HTTP) and peers on free loopback ports.
func startEtcd(ctx context.Context, dir string, c config) (*etcdServer, error) {
	cfg := embed.NewConfig()
	cfg.Name = "kro"
	cfg.Dir = dir
	// Port 0: the kernel picks free ports, so parallel runs never collide.
	any0 := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	cfg.ListenClientUrls = []url.URL{any0}
	cfg.AdvertiseClientUrls = []url.URL{any0}
	cfg.ListenPeerUrls = []url.URL{any0}
	cfg.AdvertisePeerUrls = []url.URL{any0}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogLevel = c.etcdLog
	cfg.LogOutputs = []string{"stderr"}
	cfg.UnsafeNoFsync = !c.fsync
	// No metrics listener and no pprof: nothing else to bind.
	cfg.ListenMetricsUrls = nil

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, err
	case <-time.After(60 * time.Second):
		e.Server.Stop()
		e.Close()
		return nil, fmt.Errorf("etcd did not become ready within 60s")
	case <-ctx.Done():
		e.Close()
		return nil, context.Cause(ctx)
	}
	if len(e.Clients) == 0 {
		e.Close()
		return nil, fmt.Errorf("etcd has no client listener")
	}
	s := &etcdServer{
		url: "http://" + e.Clients[0].Addr().String(),
		e:   e,
	}
	return s, nil
}

func (s *etcdServer) stop() {
	ch := make(chan struct{})
	go func() {
		s.e.Close()
		close(ch)
	}()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		logf("etcd did not stop within 10s")
	}
}
