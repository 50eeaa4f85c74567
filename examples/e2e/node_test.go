package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// resultPrefix marks the lines reporter.mjs writes for Go, one per case.
const resultPrefix = "##gosio-e2e "

// nodeResult is one case's outcome, as reporter.mjs writes it.
type nodeResult struct {
	Name  string  `json:"name"`
	OK    bool    `json:"ok"`
	Skip  string  `json:"skip"`
	Error string  `json:"error"`
	MS    float64 `json:"ms"`
}

// requireNode skips the test when Node or the npm packages are missing,
// unless CI is set: then it fails.
func requireNode(t *testing.T) {
	t.Helper()
	var missing []string
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node is not on PATH")
	}
	for _, pkg := range []string{"socket.io-client", "playwright-core"} {
		if _, err := os.Stat(filepath.Join("node_modules", pkg, "package.json")); err != nil {
			missing = append(missing, "node_modules/"+pkg+" is missing (run `npm ci` in examples/e2e)")
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "end-to-end dependencies: " + strings.Join(missing, "; ")
	if inCI() {
		t.Fatal(msg)
	}
	t.Skip(msg + " — skipping (set CI=true to make this a failure)")
}

// inCI reports whether the CI environment variable is set (and not to
// "false" or "0"): then missing dependencies are failures, not skips.
func inCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// runNode runs a Node test file with env added to the environment and
// turns each of its cases into a subtest of t, as the results arrive. Lines
// the cases print go to the log of the next subtest.
func runNode(t *testing.T, script string, env map[string]string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args := []string{"--test-reporter=./reporter.mjs", "--test-reporter-destination=stdout"}
	if only := os.Getenv("E2E_CASES"); only != "" {
		args = append(args, "--test-name-pattern="+only) // a regexp on case names
	}
	cmd := exec.CommandContext(ctx, "node", append(args, script)...)
	killGroupOnCancel(cmd) // Chromium included
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var logs []string
	n, failed := 0, 0
	for sc.Scan() {
		line := sc.Text()
		raw, ok := strings.CutPrefix(line, resultPrefix)
		if !ok {
			logs = append(logs, line)
			continue
		}
		var r nodeResult
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			t.Errorf("bad result line %q: %v", line, err)
			continue
		}
		n++
		if !r.OK && r.Skip == "" {
			failed++
		}
		caseLogs := logs
		logs = nil
		t.Run(r.Name, func(t *testing.T) {
			for _, l := range caseLogs {
				t.Log(l)
			}
			switch {
			case r.Skip != "":
				t.Skip(r.Skip)
			case !r.OK:
				t.Errorf("%s (after %.0f ms)", r.Error, r.MS)
			default:
				t.Logf("passed in %.0f ms", r.MS)
			}
		})
	}
	err = cmd.Wait()
	for _, l := range logs {
		t.Log(l)
	}
	t.Logf("node %s: %d cases in %v", script, n, time.Since(start).Round(time.Millisecond))
	if ctx.Err() != nil {
		t.Errorf("node %s killed after %v", script, timeout)
	}
	// node exits with 1 when a case failed: that failure is reported already.
	var exit *exec.ExitError
	if failed > 0 && errors.As(err, &exit) && exit.ExitCode() == 1 {
		err = nil
	}
	if err != nil || n == 0 {
		t.Errorf("node %s: %v, %d cases reported; stderr:\n%s", script, err, n, tail(stderr.String(), 4000))
	} else if testing.Verbose() && os.Getenv("E2E_DEBUG") != "" {
		t.Logf("node stderr:\n%s", tail(stderr.String(), 20000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
