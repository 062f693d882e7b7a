// Command etcd is etcd v3.6 built from go.etcd.io/etcd/server/v3 for the
// local e2e control plane (testtools/cluster). It is the upstream etcd
// entry point; nothing is changed.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
