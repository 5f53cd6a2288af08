package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"cpr/register"
)

// runErr runs cpr and returns its stdout, stderr and error.
func runErr(args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// helpArgs are every way of asking cpr and its commands for help.
var helpArgs = [][]string{
	{"-h"}, {"--help"}, {"help"},
	{"serve", "-h"}, {"load", "-h"}, {"load", "--help"},
	{"bench", "-h"}, {"bench", "gen", "-h"}, {"bench", "run", "-h"}, {"bench", "merge", "-h"},
	{"extract", "-h"}, {"extract", "change", "-h"}, {"extract", "status", "-h"},
	{"pnr", "-h"}, {"pnr", "check", "-h"}, {"chaos", "-h"},
}

// TestHelpGoesToStdout: help asked for is an answer, not an error: stdout,
// exit 0 (run returns nil), nothing on stderr.
func TestHelpGoesToStdout(t *testing.T) {
	for _, args := range helpArgs {
		out, errOut, err := runErr(args...)
		if err != nil || !strings.Contains(out, "usage: cpr") || errOut != "" {
			t.Errorf("cpr %s: err %v, stdout %q, stderr %q", strings.Join(args, " "), err, out, errOut)
		}
	}
}

func TestVersionFlag(t *testing.T) {
	for _, arg := range []string{"--version", "-version", "version"} {
		if out, _, err := runErr(arg); err != nil || out != "cpr "+version+"\n" {
			t.Errorf("cpr %s: %v %q", arg, err, out)
		}
	}
}

// TestEveryFlagHasEnv: every flag of every command names its environment
// variable in its help, and the README lists each of them.
func TestEveryFlagHasEnv(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	flagLine := regexp.MustCompile(`^  -([a-z0-9-]+)`)
	envName := regexp.MustCompile(`\(env (CPR_[A-Z0-9_]+)`)
	for _, args := range helpArgs {
		out, _, _ := runErr(args...)
		// PrintDefaults: "  -name type" then the usage on lines of its own.
		var name, text string
		check := func() {
			if name == "" {
				return
			}
			m := envName.FindStringSubmatch(text)
			if m == nil {
				t.Errorf("cpr %s: -%s names no environment variable: %q", strings.Join(args, " "), name, text)
				return
			}
			row := false
			for _, l := range strings.Split(string(readme), "\n") {
				row = row || strings.HasPrefix(l, "| `--"+name+"` | `"+m[1]+"` |")
			}
			if !row {
				t.Errorf("README has no row \"| `--%s` | `%s` |\" (cpr %s)", name, m[1], args[0])
			}
		}
		flags := 0
		for _, line := range strings.Split(out, "\n") {
			if m := flagLine.FindStringSubmatch(line); m != nil {
				check()
				name, text = m[1], ""
				flags++
			}
			text += line + " "
		}
		check()
		// Every command with a FlagSet lists at least its flags.
		hasFlags := args[0] == "serve" || args[0] == "load" || args[0] == "chaos" || len(args) == 3 && args[0] != "pnr"
		if hasFlags && flags == 0 {
			t.Errorf("cpr %s printed no flags: %q", strings.Join(args, " "), out)
		}
	}
}

// TestBusyNATSPort: a NATS address in use fails serve at once with the
// cause, instead of a 30 s wait for a server that cannot listen.
func TestBusyNATSPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	data := filepath.Join(t.TempDir(), "data")
	_, _, err = runErr("serve", "--data", data, "--addr", "127.0.0.1:0", "--nats-addr", ln.Addr().String(), "--log-level", "error")
	if err == nil || !strings.Contains(err.Error(), "--nats-addr "+ln.Addr().String()) || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("serve on a busy NATS port: %v", err)
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve left a data directory behind: %v", err)
	}
}

// TestBusyHTTPPort: a busy --addr is named in the error.
func TestBusyHTTPPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, _, err = runErr("serve", "--data", t.TempDir(), "--addr", ln.Addr().String(), "--nats-addr", "127.0.0.1:0", "--log-level", "error")
	if err == nil || !strings.Contains(err.Error(), "--addr "+ln.Addr().String()) || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("serve on a busy HTTP port: %v", err)
	}
}

// TestRefusedSizes: sizes that make no population are refused, naming
// the flag, and create nothing.
func TestRefusedSizes(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "gen", "--out", filepath.Join(dir, "w0"), "--scale", "0"}, "--scale"},
		{[]string{"bench", "gen", "--out", filepath.Join(dir, "w1"), "--scale", "-1"}, "--scale"},
		{[]string{"bench", "gen", "--out", filepath.Join(dir, "w2"), "--scale", "NaN"}, "--scale"},
		{[]string{"bench", "gen", "--out", filepath.Join(dir, "w3"), "--days", "-2"}, "--days"},
		{[]string{"load", "--data", filepath.Join(dir, "d0"), "--persons", "-5"}, "--persons"},
		{[]string{"load", "--data", filepath.Join(dir, "d1"), "--persons", "0"}, "--persons"},
		{[]string{"serve", "--data", filepath.Join(dir, "d2"), "--addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0", "--demo-persons", "0"}, "--demo-persons"},
	} {
		_, _, err := runErr(tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("cpr %s: %v, want an error naming %s", strings.Join(tc.args, " "), err, tc.want)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("refused commands created %v", left)
	}
}

// TestExtractMissingData: extract on a directory without a register
// refuses, and does not create an empty register to report on.
func TestExtractMissingData(t *testing.T) {
	for _, data := range []string{filepath.Join(t.TempDir(), "typo"), t.TempDir()} {
		_, _, err := runErr("extract", "status", "--data", data, "--subscriber", "auth", "--out", t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "no register in "+data) {
			t.Errorf("extract on %s: %v", data, err)
		}
		if _, err := os.Stat(filepath.Join(data, "register")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("extract created %s/register: %v", data, err)
		}
	}
}

// TestOfflineCommandsOnHeldRegister: load, extract and a second serve on
// a register another process holds (as a running serve does) say so.
func TestOfflineCommandsOnHeldRegister(t *testing.T) {
	data := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldRegister$")
	cmd.Env = append(os.Environ(), "CPR_TEST_HOLD="+data)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "held\n" {
		t.Fatalf("helper: %q %v", line, err)
	}
	for _, args := range [][]string{
		{"load", "--data", data, "--persons", "10"},
		{"extract", "status", "--data", data, "--subscriber", "auth", "--out", t.TempDir()},
		{"extract", "change", "--data", data, "--subscriber", "auth", "--out", t.TempDir()},
		{"serve", "--data", data, "--addr", "127.0.0.1:0", "--nats-addr", "127.0.0.1:0", "--log-level", "error"},
	} {
		_, _, err := runErr(args...)
		if err == nil || !strings.Contains(err.Error(), "held by another process") {
			t.Errorf("cpr %s on a held register: %v", strings.Join(args[:2], " "), err)
		}
	}
	// The same register held by this very process.
	mine := t.TempDir()
	reg, err := register.Open(filepath.Join(mine, "register"), register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	if _, _, err := runErr("load", "--data", mine, "--persons", "10"); err == nil || !strings.Contains(err.Error(), "held by another process") {
		t.Errorf("cpr load on a register this process holds: %v", err)
	}
}

// TestHelperHoldRegister is the other process of
// TestOfflineCommandsOnHeldRegister: it holds DATA/register until its
// stdin closes.
func TestHelperHoldRegister(t *testing.T) {
	data := os.Getenv("CPR_TEST_HOLD")
	if data == "" {
		t.Skip("the helper process of TestOfflineCommandsOnHeldRegister")
	}
	reg, err := register.Open(filepath.Join(data, "register"), register.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	os.Stdout.WriteString("held\n")
	bufio.NewReader(os.Stdin).ReadString('\n')
}
