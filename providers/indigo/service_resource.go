package indigo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

const (
	// startupGrace is how long a service without a health check must stay
	// up for its create to succeed.
	startupGrace = 500 * time.Millisecond

	defaultHealthTimeout  = 30 * time.Second
	defaultHealthInterval = 250 * time.Millisecond
	defaultStopTimeout    = "10s"

	// logTailBytes bounds how much of a failed service's log goes into the
	// error.
	logTailBytes = 4096
	logTailLines = 20
)

// serviceResource is indigo_service.
type serviceResource struct {
	site *site
}

type serviceModel struct {
	Command       types.List   `tfsdk:"command"`
	Dir           types.String `tfsdk:"dir"`
	Env           types.Map    `tfsdk:"env"`
	SensitiveEnv  types.Map    `tfsdk:"sensitive_env"`
	Port          types.Int64  `tfsdk:"port"`
	LogFile       types.String `tfsdk:"log_file"`
	StopTimeout   types.String `tfsdk:"stop_timeout"`
	HealthCheck   types.Object `tfsdk:"health_check"`
	ID            types.String `tfsdk:"id"`
	PID           types.Int64  `tfsdk:"pid"`
	StartedAt     types.String `tfsdk:"started_at"`
	ProcStartTime types.Int64  `tfsdk:"proc_start_time"`
}

type healthCheckModel struct {
	HTTP     types.String `tfsdk:"http"`
	TCP      types.String `tfsdk:"tcp"`
	Timeout  types.String `tfsdk:"timeout"`
	Interval types.String `tfsdk:"interval"`
}

// healthCheck is a health_check block with its defaults applied.
type healthCheck struct {
	http, tcp         string
	timeout, interval time.Duration
}

var _ resource.ResourceWithConfigure = (*serviceResource)(nil)

func newServiceResource() resource.Resource { return &serviceResource{} }

func (r *serviceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service"
}

func (r *serviceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		Description: "A long-running local process, started detached (own session and process group) so it outlives the provider and indigo. " +
			"Any change but stop_timeout replaces it.",
		Attributes: map[string]schema.Attribute{
			"command": schema.ListAttribute{
				ElementType:   types.StringType,
				Required:      true,
				Description:   "The program (looked up in PATH when it has no slash) and its arguments. It must stay in the foreground.",
				Validators:    []validator.List{commandList{}},
				PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
			},
			"dir": schema.StringAttribute{
				Optional:      true,
				Description:   "The working directory; relative paths resolve under the provider's root. Default: the root. Must exist.",
				Validators:    []validator.String{nonEmpty()},
				PlanModifiers: replace,
			},
			"env": schema.MapAttribute{
				ElementType:   types.StringType,
				Optional:      true,
				Description:   "Environment variables added to the provider's own environment.",
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"sensitive_env": schema.MapAttribute{
				ElementType:   types.StringType,
				Optional:      true,
				Sensitive:     true,
				Description:   "Environment variables hidden in plans and output; they win over env.",
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"port": schema.Int64Attribute{
				Optional: true,
				Description: "The TCP port the service listens on. Passed as PORT in its environment; " +
					"without a health_check block, create waits until 127.0.0.1:port accepts connections.",
				Validators:    []validator.Int64{portRange{}},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"log_file": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Description: "Where stdout and stderr go (truncated at start). Default: logs/service-<id>.log under the root.",
				Validators:  []validator.String{nonEmpty()},
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplace(),
				},
			},
			"stop_timeout": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Default:     stringdefault.StaticString(defaultStopTimeout),
				Description: `How long delete waits after SIGTERM before SIGKILL. Default "10s". Changed in place.`,
				Validators:  []validator.String{duration()},
			},
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "A random UUID chosen at create.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"pid": schema.Int64Attribute{
				Computed:      true,
				Description:   "The process id, which is also its process group id.",
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"started_at": schema.StringAttribute{
				Computed:      true,
				Description:   "When the process was started (RFC 3339).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"proc_start_time": schema.Int64Attribute{
				Computed: true,
				Description: "The process start time in clock ticks after boot (/proc/<pid>/stat field 22): " +
					"tells the service from a later process that reuses its pid.",
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"health_check": schema.SingleNestedBlock{
				Description:   "How create decides the service is up. Without it (and without port), the service must stay up for a short grace period.",
				Validators:    []validator.Object{healthCheckShape{}},
				PlanModifiers: []planmodifier.Object{objectplanmodifier.RequiresReplace()},
				Attributes: map[string]schema.Attribute{
					"http": schema.StringAttribute{
						Optional:    true,
						Description: "A URL to GET; healthy on a 2xx or 3xx status.",
						Validators:  []validator.String{httpURL()},
					},
					"tcp": schema.StringAttribute{
						Optional:    true,
						Description: `A host:port address; healthy when it accepts a connection.`,
						Validators:  []validator.String{hostPort()},
					},
					"timeout": schema.StringAttribute{
						Optional:    true,
						Description: `How long to wait for the service to become healthy. Default "30s".`,
						Validators:  []validator.String{duration()},
					},
					"interval": schema.StringAttribute{
						Optional:    true,
						Description: `Time between probes. Default "250ms".`,
						Validators:  []validator.String{duration()},
					},
				},
			},
		},
	}
}

func (r *serviceResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s, ok := req.ProviderData.(*site); ok {
		r.site = s
	}
}

// Create starts the process and waits until it is healthy. A service that
// exits or never gets healthy is stopped (its whole process group) and the
// error carries the tail of its log.
func (r *serviceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan serviceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.site == nil {
		resp.Diagnostics.AddError("Provider not configured", "indigo_service needs a configured indigo provider.")
		return
	}
	id, err := newUUID()
	if err != nil {
		resp.Diagnostics.AddError("Cannot create an id", err.Error())
		return
	}
	spec, check, diags := r.prepare(ctx, &plan, id)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	startedAt := time.Now().UTC()
	proc, err := startProcess(spec)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("command"), "Cannot start service",
			fmt.Sprintf("Starting %q: %v", spec.argv[0], err))
		return
	}
	if err := awaitHealthy(ctx, proc, check); err != nil {
		stopErr := terminateGroup(ctx, proc.pid, 5*time.Second)
		close(proc.release)
		<-proc.reaped
		detail := "The service " + err.Error() + "."
		if errors.Is(err, errExited) {
			detail = fmt.Sprintf("The service exited during startup (%s).", proc.exitStatus())
		}
		if stopErr != nil {
			detail += fmt.Sprintf("\n\nStopping it failed too: %v", stopErr)
		}
		detail += logTail(spec.logPath)
		resp.Diagnostics.AddAttributeError(path.Root("command"), "Service failed to start", detail)
		return
	}
	// From here the process is on its own; reap it whenever it exits so it
	// does not linger as a zombie while this provider process lives.
	close(proc.release)

	plan.ID = types.StringValue(id)
	plan.LogFile = types.StringValue(spec.logPath)
	plan.PID = types.Int64Value(int64(proc.pid))
	plan.StartedAt = types.StringValue(startedAt.Format(time.RFC3339Nano))
	plan.ProcStartTime = types.Int64Value(int64(proc.startTicks))
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// prepare turns the planned attributes into what startProcess and
// awaitHealthy need, creating the log file's directory.
func (r *serviceResource) prepare(ctx context.Context, m *serviceModel, id string) (processSpec, *healthCheck, diag.Diagnostics) {
	var diags diag.Diagnostics
	var spec processSpec

	diags.Append(m.Command.ElementsAs(ctx, &spec.argv, false)...)
	if diags.HasError() {
		return spec, nil, diags
	}
	if len(spec.argv) == 0 || spec.argv[0] == "" {
		diags.AddAttributeError(path.Root("command"), "Empty command", "command must name the program to run, then its arguments.")
		return spec, nil, diags
	}

	dir := "."
	if !m.Dir.IsNull() {
		dir = m.Dir.ValueString()
	}
	abs, err := r.site.resolve(dir)
	if err != nil {
		diags.AddAttributeError(path.Root("dir"), "Cannot resolve dir", err.Error())
		return spec, nil, diags
	}
	if m.Dir.IsNull() {
		// The root itself is the default working directory: create it.
		if err := r.site.prepareWrite(abs); err != nil {
			diags.AddAttributeError(path.Root("dir"), "Site root not writable", err.Error())
			return spec, nil, diags
		}
	}
	if info, err := os.Stat(abs); err != nil || !info.IsDir() {
		diags.AddAttributeError(path.Root("dir"), "Working directory not found",
			fmt.Sprintf("%s is not an existing directory; create it first (an indigo_directory resource can).", abs))
		return spec, nil, diags
	}
	spec.dir = abs

	logPath := filepath.Join("logs", "service-"+id+".log")
	if !m.LogFile.IsNull() && !m.LogFile.IsUnknown() {
		logPath = m.LogFile.ValueString()
	}
	if spec.logPath, err = r.site.resolve(logPath); err != nil {
		diags.AddAttributeError(path.Root("log_file"), "Cannot resolve log_file", err.Error())
		return spec, nil, diags
	}
	if err := r.site.prepareWrite(spec.logPath); err != nil {
		diags.AddAttributeError(path.Root("log_file"), "Site root not writable", err.Error())
		return spec, nil, diags
	}
	if err := os.MkdirAll(filepath.Dir(spec.logPath), 0o755); err != nil {
		diags.AddAttributeError(path.Root("log_file"), "Cannot create the log directory", fmt.Sprintf("Creating %s: %v", filepath.Dir(spec.logPath), err))
		return spec, nil, diags
	}

	env := map[string]string{}
	if !m.Port.IsNull() {
		env["PORT"] = strconv.FormatInt(m.Port.ValueInt64(), 10)
	}
	for _, src := range []struct {
		m    types.Map
		name string
	}{{m.Env, "env"}, {m.SensitiveEnv, "sensitive_env"}} {
		if src.m.IsNull() {
			continue
		}
		var vals map[string]string
		diags.Append(src.m.ElementsAs(ctx, &vals, false)...)
		for k, v := range vals {
			if k == "" || strings.ContainsAny(k, "=\x00") {
				diags.AddAttributeError(path.Root(src.name).AtMapKey(k), "Invalid environment variable name",
					fmt.Sprintf("%q cannot be an environment variable name.", k))
				continue
			}
			env[k] = v
		}
	}
	if diags.HasError() {
		return spec, nil, diags
	}
	spec.env = serviceEnv(os.Environ(), env)

	check, d := healthCheckOf(ctx, m)
	diags.Append(d...)
	return spec, check, diags
}

// pluginEnv lists variables that belong to the provider's own plugin
// handshake and must not leak into a service: a service that happens to be a
// Go plugin host or the indigo binary would otherwise behave as a plugin.
var pluginEnv = []string{"INDIGO_BUILTIN_PROVIDER=", "TF_PLUGIN_MAGIC_COOKIE=", "PLUGIN_"}

// serviceEnv is the provider's environment without plugin variables, with
// extra set on top (in a stable order).
func serviceEnv(base []string, extra map[string]string) []string {
	out := make([]string, 0, len(base)+len(extra))
next:
	for _, kv := range base {
		for _, prefix := range pluginEnv {
			if strings.HasPrefix(kv, prefix) {
				continue next
			}
		}
		if k, _, _ := strings.Cut(kv, "="); hasKey(extra, k) {
			continue
		}
		out = append(out, kv)
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, k+"="+extra[k])
	}
	return out
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// healthCheckOf reads the health_check block with defaults applied; without
// the block, a port means a TCP check on 127.0.0.1:port, and no port means
// nil (the grace period).
func healthCheckOf(ctx context.Context, m *serviceModel) (*healthCheck, diag.Diagnostics) {
	var diags diag.Diagnostics
	if m.HealthCheck.IsNull() || m.HealthCheck.IsUnknown() {
		if m.Port.IsNull() {
			return nil, diags
		}
		return &healthCheck{
			tcp:      net.JoinHostPort("127.0.0.1", strconv.FormatInt(m.Port.ValueInt64(), 10)),
			timeout:  defaultHealthTimeout,
			interval: defaultHealthInterval,
		}, diags
	}
	var hc healthCheckModel
	diags.Append(m.HealthCheck.As(ctx, &hc, basetypes.ObjectAsOptions{})...)
	if diags.HasError() {
		return nil, diags
	}
	check := &healthCheck{
		http:     hc.HTTP.ValueString(),
		tcp:      hc.TCP.ValueString(),
		timeout:  defaultHealthTimeout,
		interval: defaultHealthInterval,
	}
	for _, d := range []struct {
		v    types.String
		name string
		dst  *time.Duration
	}{{hc.Timeout, "timeout", &check.timeout}, {hc.Interval, "interval", &check.interval}} {
		if d.v.IsNull() {
			continue
		}
		parsed, err := time.ParseDuration(d.v.ValueString())
		if err != nil || parsed <= 0 {
			diags.AddAttributeError(path.Root("health_check").AtName(d.name), "Invalid duration",
				fmt.Sprintf("%q is not a positive duration such as \"30s\".", d.v.ValueString()))
			continue
		}
		*d.dst = parsed
	}
	if (check.http == "") == (check.tcp == "") {
		diags.AddAttributeError(path.Root("health_check"), "Invalid health check", "Set exactly one of http and tcp.")
	}
	return check, diags
}

// errExited reports that the service ended before it was healthy.
var errExited = errors.New("the service exited during startup")

// awaitHealthy waits until check passes (or, without a check, until the grace
// period is over) while watching for the process to exit.
func awaitHealthy(ctx context.Context, p *process, check *healthCheck) error {
	if check == nil {
		select {
		case <-p.exited:
			return errExited
		case <-ctx.Done():
			return fmt.Errorf("was cancelled while starting: %w", ctx.Err())
		case <-time.After(startupGrace):
			return nil
		}
	}
	deadline := time.Now().Add(check.timeout)
	client := &http.Client{
		Timeout: min(max(check.interval, time.Second), check.timeout),
		// A redirect answer is already a sign of life.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	for {
		select {
		case <-p.exited:
			return errExited
		default:
		}
		lastErr := probe(ctx, client, check)
		if lastErr == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("did not become healthy within %s; the last check said: %v", check.timeout, lastErr)
		}
		select {
		case <-p.exited:
			return errExited
		case <-ctx.Done():
			return fmt.Errorf("was cancelled while waiting to become healthy: %w", ctx.Err())
		case <-time.After(check.interval):
		}
	}
}

func probe(ctx context.Context, client *http.Client, check *healthCheck) error {
	if check.tcp != "" {
		d := net.Dialer{Timeout: client.Timeout}
		conn, err := d.DialContext(ctx, "tcp", check.tcp)
		if err != nil {
			return err
		}
		return conn.Close()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, check.http, nil)
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
		return fmt.Errorf("GET %s: %s", check.http, resp.Status)
	}
	return nil
}

// logTail returns the last lines of a log file, formatted for an error
// detail, or a note that it could not be read.
func logTail(name string) string {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Sprintf("\n\nIts log %s cannot be read: %v", name, err)
	}
	defer f.Close()
	size, _ := f.Seek(0, io.SeekEnd)
	start := max(size-logTailBytes, 0)
	buf := make([]byte, size-start)
	if _, err := f.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Sprintf("\n\nIts log %s cannot be read: %v", name, err)
	}
	text := strings.TrimRight(textOf(buf), "\n")
	if text == "" {
		return fmt.Sprintf("\n\nIts log %s is empty.", name)
	}
	lines := strings.Split(text, "\n")
	if start > 0 && len(lines) > 1 {
		lines = lines[1:] // the first line was cut
	}
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	return fmt.Sprintf("\n\nLast lines of its log %s:\n%s", name, strings.Join(lines, "\n"))
}

// Read removes the service from state when its process is gone or its pid
// now belongs to another process (different start time), so the next plan
// starts it again.
func (r *serviceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var pid, start types.Int64
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("pid"), &pid)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("proc_start_time"), &start)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if pid.IsNull() || start.IsNull() || !running(int(pid.ValueInt64()), uint64(start.ValueInt64())) {
		resp.State.RemoveResource(ctx)
	}
}

// Update is reached only for stop_timeout, the one attribute that does not
// replace the service; it changes state only.
func (r *serviceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan serviceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete sends SIGTERM to the service's process group, waits stop_timeout,
// then sends SIGKILL. A process that is already gone (or whose pid was
// reused) is left alone.
func (r *serviceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state serviceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || state.PID.IsNull() || state.ProcStartTime.IsNull() {
		return
	}
	timeout, err := time.ParseDuration(state.StopTimeout.ValueString())
	if err != nil || timeout <= 0 {
		timeout, _ = time.ParseDuration(defaultStopTimeout)
	}
	if err := stopService(ctx, int(state.PID.ValueInt64()), uint64(state.ProcStartTime.ValueInt64()), timeout); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("pid"), "Cannot stop service",
			fmt.Sprintf("Stopping process %d: %v", state.PID.ValueInt64(), err))
	}
}
