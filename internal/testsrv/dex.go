package testsrv

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// DexModule and DexVersion pin the Dex OpenID Connect provider the tests
// build. `go install github.com/dexidp/dex/cmd/dex@latest` resolves to a
// 2018 release, so Dex is built from a throwaway tool module that requires
// this version (the v2.45.1 release; the first with groups on static
// passwords). Change the pin and nothing else to move: the stamp file makes
// the cached binary rebuild.
const (
	DexModule  = "github.com/dexidp/dex"
	DexVersion = "v0.0.0-20260303133905-11d2eeb52b42"
)

// DexScopes are the scopes IDToken asks for, and the ones MinIO is told to
// ask for by OpenIDEnv.
const DexScopes = "openid groups profile email"

// dexReadyTimeout is how long Dex may take to serve its discovery document;
// under a second is usual.
const dexReadyTimeout = 30 * time.Second

// DexUser is a static user of a Dex server: the password database entry
// that the password grant checks, and the groups its tokens carry in the
// "groups" claim.
type DexUser struct {
	Email    string
	Password string
	Groups   []string
}

// DexOptions says how to start a Dex server.
type DexOptions struct {
	Users []DexUser
	// ClientID and ClientSecret are the one static client's credentials
	// (the password grant authenticates with them); empty means "indigo"
	// and a random secret.
	ClientID, ClientSecret string
}

// Dex is a running Dex server with an in-memory store, a password
// database of static users, and one static client that may use the
// password grant.
type Dex struct {
	Issuer       string // "http://127.0.0.1:PORT/dex"
	ClientID     string
	ClientSecret string

	logPath string
	proc    *exec.Cmd
	exited  chan struct{}
	untrack func()
	stop    sync.Once
}

// StartDex starts a Dex server for this test on a free loopback port,
// waits until it serves its discovery document, and stops it with
// t.Cleanup. Start it before a MinIO server that uses it (see OpenIDEnv):
// MinIO reads the discovery document when it starts.
func StartDex(t testing.TB, opts DexOptions) *Dex {
	t.Helper()
	bin := DexBinary(t)
	root := t.TempDir()
	d := &Dex{
		ClientID:     opts.ClientID,
		ClientSecret: opts.ClientSecret,
		logPath:      filepath.Join(root, "dex.log"),
	}
	if d.ClientID == "" {
		d.ClientID = "indigo"
	}
	if d.ClientSecret == "" {
		d.ClientSecret = randomHex(t, 16)
	}
	passwords, err := dexPasswords(opts.Users)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	const attempts = 3
	for i := 1; ; i++ {
		port := FreePort(t)
		host := "127.0.0.1:" + strconv.Itoa(port)
		d.Issuer = "http://" + host + "/dex"
		cfg := dexConfig(d, host, passwords)
		cfgPath := filepath.Join(root, "config.json")
		if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
			t.Fatal(err)
		}
		err := d.start(bin, cfgPath)
		if err == nil {
			return d
		}
		if i < attempts && errors.Is(err, errPortTaken) {
			t.Logf("Dex: %v; trying another port", err)
			continue
		}
		t.Fatalf("starting Dex: %v", err)
	}
}

// dexPasswords is the staticPasswords section: bcrypt hashes (cost 10, the
// lowest Dex accepts without complaint) and a user ID per email.
func dexPasswords(users []DexUser) ([]map[string]any, error) {
	out := make([]map[string]any, 0, len(users))
	for i, u := range users {
		if u.Email == "" || u.Password == "" {
			return nil, fmt.Errorf("testsrv.StartDex: user %d needs an Email and a Password", i)
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(u.Password), bcrypt.DefaultCost)
		if err != nil {
			return nil, err
		}
		name, _, _ := strings.Cut(u.Email, "@")
		groups := u.Groups
		if groups == nil {
			groups = []string{}
		}
		out = append(out, map[string]any{
			"email":    u.Email,
			"hash":     string(hash),
			"username": name,
			"userID":   fmt.Sprintf("user-%d-%s", i, name),
			"groups":   groups,
		})
	}
	return out, nil
}

// dexConfig is Dex's configuration file; JSON is YAML, and saves quoting
// worries.
func dexConfig(d *Dex, host string, passwords []map[string]any) []byte {
	cfg := map[string]any{
		"issuer":  d.Issuer,
		"storage": map[string]any{"type": "memory"},
		"web":     map[string]any{"http": host},
		"oauth2": map[string]any{
			"passwordConnector":  "local",
			"skipApprovalScreen": true,
		},
		"enablePasswordDB": true,
		"staticClients": []map[string]any{{
			"id":           d.ClientID,
			"secret":       d.ClientSecret,
			"name":         "indigo tests",
			"redirectURIs": []string{"http://127.0.0.1/callback"},
		}},
		"staticPasswords": passwords,
		"logger":          map[string]any{"level": "debug"},
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		panic(err) // only maps, slices and strings
	}
	return b
}

// Stop kills the server and waits until it has exited. It is idempotent.
func (d *Dex) Stop() {
	d.stop.Do(func() {
		if d.proc == nil {
			return
		}
		_ = d.proc.Process.Kill()
		<-d.exited
		d.untrack()
	})
}

// start runs Dex and waits until its discovery document answers, or the
// process exits, or dexReadyTimeout passes.
func (d *Dex) start(bin, cfgPath string) error {
	logf, err := os.OpenFile(d.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "--- %s: starting dex at %s\n", time.Now().Format(time.RFC3339), d.Issuer)
	logStart, _ := logf.Seek(0, io.SeekEnd)
	cmd := exec.Command(bin, "serve", cfgPath)
	cmd.Dir = filepath.Dir(d.logPath)
	cmd.Env = append(os.Environ(), "HOME="+filepath.Dir(d.logPath))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	discovery := d.Issuer + "/.well-known/openid-configuration"
	deadline := time.Now().Add(dexReadyTimeout)
	var lastErr error
	for {
		lastErr = getOK(discovery)
		if lastErr == nil {
			d.proc, d.exited = cmd, exited
			d.untrack = track(d.Stop)
			return nil
		}
		select {
		case <-exited:
			tail := logTail(d.logPath, logStart)
			if strings.Contains(tail, "address already in use") {
				return fmt.Errorf("%s: %w", d.Issuer, errPortTaken)
			}
			return fmt.Errorf("dex exited before it was ready (%s); the end of its log %s:\n%s", cmd.ProcessState, d.logPath, tail)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("dex at %s not ready after %s: %v; the end of its log %s:\n%s", d.Issuer, dexReadyTimeout, lastErr, d.logPath, logTail(d.logPath, logStart))
		}
	}
}

func getOK(u string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return nil
}

// IDToken returns an id_token for the user, got with the password grant
// (scopes DexScopes, the client's credentials as basic auth). It fails the
// test when Dex refuses.
func (d *Dex) IDToken(t testing.TB, email, password string) string {
	t.Helper()
	tok, err := d.Token(context.Background(), email, password)
	if err != nil {
		t.Fatalf("getting an id_token for %s from Dex: %v", email, err)
	}
	return tok
}

// Token is IDToken returning the error, for tests of refusals (a wrong
// password).
func (d *Dex) Token(ctx context.Context, email, password string) (string, error) {
	form := url.Values{
		"grant_type": {"password"},
		"username":   {email},
		"password":   {password},
		"scope":      {DexScopes},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Issuer+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(d.ClientID), url.QueryEscape(d.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	var answer struct {
		IDToken          string `json:"id_token"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &answer)
	if resp.StatusCode != http.StatusOK {
		if answer.Error != "" {
			return "", fmt.Errorf("password grant: %s: %s (HTTP %d)", answer.Error, answer.ErrorDescription, resp.StatusCode)
		}
		return "", fmt.Errorf("password grant: HTTP %d: %s", resp.StatusCode, tail(string(body), 5))
	}
	if answer.IDToken == "" {
		return "", fmt.Errorf("password grant: no id_token in the answer: %s", tail(string(body), 5))
	}
	return answer.IDToken, nil
}

// TokenClaims decodes the claims of a JWT without checking its signature:
// for tests that look at what a token says.
func TokenClaims(token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a JWT: %d parts", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("JWT payload: %w", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("JWT payload: %w", err)
	}
	return claims, nil
}

// OpenIDEnv is the environment that makes a MinIO server (MinIOOptions.Env)
// accept d's tokens for clientID: policies are taken from the "groups"
// claim, so a group name is a policy name.
func OpenIDEnv(d *Dex, clientID, secret string) []string {
	return []string{
		"MINIO_IDENTITY_OPENID_CONFIG_URL=" + d.Issuer + "/.well-known/openid-configuration",
		"MINIO_IDENTITY_OPENID_CLIENT_ID=" + clientID,
		"MINIO_IDENTITY_OPENID_CLIENT_SECRET=" + secret,
		"MINIO_IDENTITY_OPENID_CLAIM_NAME=groups",
		"MINIO_IDENTITY_OPENID_SCOPES=" + strings.ReplaceAll(DexScopes, " ", ","),
	}
}

// dexTool builds Dex from a tool module that requires DexModule@DexVersion
// (go install @latest would resolve to a 2018 release).
var dexTool = &tool{
	name:  "dex",
	title: "Dex",
	want:  DexModule + "@" + DexVersion,
	install: fmt.Sprintf("mkdir /tmp/dextool && cd /tmp/dextool && go mod init dextool && go get %s/cmd/dex@%s && GOBIN=%s go install %s/cmd/dex",
		DexModule, DexVersion, filepath.Join(CacheDir(), "bin"), DexModule),
	steps: [][]string{
		{"mod", "init", "indigo.test/dextool"},
		{"get", DexModule + "/cmd/dex@" + DexVersion},
		{"install", DexModule + "/cmd/dex"},
	},
	dir: func(work, _ string) string { return work },
}

// DexBinary returns the path of the dex binary, building it once into
// CacheDir()/bin; see tool.binary.
func DexBinary(t testing.TB) string {
	t.Helper()
	return dexTool.binary(t)
}
