// SPDX-License-Identifier: BSD-2-Clause
// xdpload: a cilium/ebpf loader as Go projects write them (Debian 12's
// golang-github-cilium-ebpf-dev 0.9.1, built in GOPATH mode by
// test_cov_go.sh). It loads OBJ, runs program PROG on the packet files
// DIR/pkt1..N with BPF_PROG_TEST_RUN (Program.Test) and checks each verdict;
// it knows nothing of bpfgauge. Usage: xdpload OBJ PROG DIR V1,V2,...
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "xdpload: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 5 {
		fail("usage: xdpload OBJ PROG DIR V1,V2,...")
	}
	coll, err := ebpf.LoadCollection(os.Args[1])
	if err != nil {
		fail("%s: %v", os.Args[1], err)
	}
	defer coll.Close()
	prog := coll.Programs[os.Args[2]]
	if prog == nil {
		fail("%s: no program %s", os.Args[1], os.Args[2])
	}
	for i, want := range strings.Split(os.Args[4], ",") {
		pkt, err := os.ReadFile(filepath.Join(os.Args[3], "pkt"+strconv.Itoa(i+1)))
		if err != nil {
			fail("%v", err)
		}
		got, _, err := prog.Test(pkt)
		if err != nil {
			fail("packet %d: %v", i+1, err)
		}
		if strconv.FormatUint(uint64(got), 10) != want {
			fail("packet %d: verdict %d, want %s", i+1, got, want)
		}
	}
}
