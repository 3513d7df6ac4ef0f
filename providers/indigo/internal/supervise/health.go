package supervise

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

const (
	// StartupGrace is how long a process without a health check must stay
	// up for its start to count as a success.
	StartupGrace = 500 * time.Millisecond

	// DefaultHealthTimeout and DefaultHealthInterval are a Check's defaults.
	DefaultHealthTimeout  = 30 * time.Second
	DefaultHealthInterval = 250 * time.Millisecond
)

// Check says when a started process is up: an HTTP GET of HTTP answers 2xx
// or 3xx, or TCP (host:port) accepts a connection. Set exactly one.
type Check struct {
	HTTP, TCP         string
	Timeout, Interval time.Duration
}

// TCPCheck is the check of a process that listens on 127.0.0.1:port.
func TCPCheck(port int64) *Check {
	return &Check{
		TCP:      net.JoinHostPort("127.0.0.1", fmt.Sprint(port)),
		Timeout:  DefaultHealthTimeout,
		Interval: DefaultHealthInterval,
	}
}

// ErrExited reports that the process ended before it was healthy.
var ErrExited = errors.New("the process exited during startup")

// AwaitHealthy waits until check passes (probing after 10 ms, then at
// growing delays up to the check's interval), or, with a nil check, until
// StartupGrace is over, while watching for the process to exit. Its errors
// read after "The service ..." or "The container ...".
func AwaitHealthy(ctx context.Context, p *Process, check *Check) error {
	if check == nil {
		select {
		case <-p.exited:
			return ErrExited
		case <-ctx.Done():
			return fmt.Errorf("was cancelled while starting: %w", ctx.Err())
		case <-time.After(StartupGrace):
			return nil
		}
	}
	deadline := time.Now().Add(check.Timeout)
	client := &http.Client{
		Timeout: min(max(check.Interval, time.Second), check.Timeout),
		// A redirect answer is already a sign of life.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	// Probe soon after the start, then back off to the interval: most
	// processes are up in milliseconds, and a first probe that fails would
	// otherwise cost a whole interval.
	delay := min(10*time.Millisecond, check.Interval)
	for {
		select {
		case <-p.exited:
			return ErrExited
		default:
		}
		lastErr := Probe(ctx, client, check)
		if lastErr == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("did not become healthy within %s; the last check said: %v", check.Timeout, lastErr)
		}
		select {
		case <-p.exited:
			return ErrExited
		case <-ctx.Done():
			return fmt.Errorf("was cancelled while waiting to become healthy: %w", ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, check.Interval)
	}
}

// Probe runs check once with client (whose Timeout bounds a TCP dial too).
func Probe(ctx context.Context, client *http.Client, check *Check) error {
	if check.TCP != "" {
		d := net.Dialer{Timeout: client.Timeout}
		conn, err := d.DialContext(ctx, "tcp", check.TCP)
		if err != nil {
			return err
		}
		return conn.Close()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, check.HTTP, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 399 {
		return fmt.Errorf("GET %s: %s", check.HTTP, resp.Status)
	}
	return nil
}
