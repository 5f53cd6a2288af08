package chaos

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// binDir holds the binaries the tests build: cmd/cpr, and the nats-server
// of the module's own nats-server dependency.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cpr-chaos-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var builds sync.Map // package -> *built

type built struct {
	once sync.Once
	path string
	err  error
}

// binary builds a main package once for all the tests.
func binary(t *testing.T, pkg, name string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(pkg, &built{})
	b := v.(*built)
	b.once.Do(func() {
		b.path = filepath.Join(binDir, name)
		out, err := exec.Command("go", "build", "-o", b.path, pkg).CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build %s: %v: %s", pkg, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// cprBinary is cmd/cpr, or the binary CPR_CHAOS_BIN names.
func cprBinary(t *testing.T) string {
	if p := os.Getenv("CPR_CHAOS_BIN"); p != "" {
		return p
	}
	return binary(t, "cpr/cmd/cpr", "cpr")
}

func natsBinary(t *testing.T) string {
	return binary(t, "github.com/nats-io/nats-server/v2", "nats-server")
}

// skipLong skips a long scenario under -short: make test runs
// "go test -short", make test-long runs what it skips.
func skipLong(t *testing.T, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("long (%s): make test-long runs it", what)
	}
}
