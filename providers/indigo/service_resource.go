package indigo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

	"github.com/indigo-cloud/indigo/providers/indigo/internal/check"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/supervise"
)

// defaultStopTimeout is how long delete waits after SIGTERM.
const defaultStopTimeout = "10s"

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
				Validators:    []validator.List{check.Command{}},
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
				Validators:    []validator.Int64{check.Port{}},
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
	proc, err := supervise.Start(spec)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("command"), "Cannot start service",
			fmt.Sprintf("Starting %q: %v", spec.Argv[0], err))
		return
	}
	if err := supervise.AwaitHealthy(ctx, proc, check); err != nil {
		stopErr := proc.Abort(ctx, 5*time.Second)
		detail := "The service " + err.Error() + "."
		if errors.Is(err, supervise.ErrExited) {
			detail = fmt.Sprintf("The service exited during startup (%s).", proc.ExitStatus())
		}
		if stopErr != nil {
			detail += fmt.Sprintf("\n\nStopping it failed too: %v", stopErr)
		}
		detail += supervise.LogTail(spec.LogPath)
		resp.Diagnostics.AddAttributeError(path.Root("command"), "Service failed to start", detail)
		return
	}
	// From here the process is on its own; reap it whenever it exits so it
	// does not linger as a zombie while this provider process lives.
	proc.Release()

	plan.ID = types.StringValue(id)
	plan.LogFile = types.StringValue(spec.LogPath)
	plan.PID = types.Int64Value(int64(proc.PID))
	plan.StartedAt = types.StringValue(startedAt.Format(time.RFC3339Nano))
	plan.ProcStartTime = types.Int64Value(int64(proc.StartTicks))
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// prepare turns the planned attributes into what startProcess and
// awaitHealthy need, creating the log file's directory.
func (r *serviceResource) prepare(ctx context.Context, m *serviceModel, id string) (supervise.Spec, *supervise.Check, diag.Diagnostics) {
	var diags diag.Diagnostics
	var spec supervise.Spec

	diags.Append(m.Command.ElementsAs(ctx, &spec.Argv, false)...)
	if diags.HasError() {
		return spec, nil, diags
	}
	if len(spec.Argv) == 0 || spec.Argv[0] == "" {
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
	spec.Dir = abs

	logPath := filepath.Join("logs", "service-"+id+".log")
	if !m.LogFile.IsNull() && !m.LogFile.IsUnknown() {
		logPath = m.LogFile.ValueString()
	}
	if spec.LogPath, err = r.site.resolve(logPath); err != nil {
		diags.AddAttributeError(path.Root("log_file"), "Cannot resolve log_file", err.Error())
		return spec, nil, diags
	}
	if err := r.site.prepareWrite(spec.LogPath); err != nil {
		diags.AddAttributeError(path.Root("log_file"), "Site root not writable", err.Error())
		return spec, nil, diags
	}
	if err := os.MkdirAll(filepath.Dir(spec.LogPath), 0o755); err != nil {
		diags.AddAttributeError(path.Root("log_file"), "Cannot create the log directory", fmt.Sprintf("Creating %s: %v", filepath.Dir(spec.LogPath), err))
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
	spec.Env = supervise.Env(os.Environ(), env)

	check, d := healthCheckOf(ctx, m)
	diags.Append(d...)
	return spec, check, diags
}

// healthCheckOf reads the health_check block with defaults applied; without
// the block, a port means a TCP check on 127.0.0.1:port, and no port means
// nil (the grace period).
func healthCheckOf(ctx context.Context, m *serviceModel) (*supervise.Check, diag.Diagnostics) {
	var diags diag.Diagnostics
	if m.HealthCheck.IsNull() || m.HealthCheck.IsUnknown() {
		if m.Port.IsNull() {
			return nil, diags
		}
		return supervise.TCPCheck(m.Port.ValueInt64()), diags
	}
	var hc healthCheckModel
	diags.Append(m.HealthCheck.As(ctx, &hc, basetypes.ObjectAsOptions{})...)
	if diags.HasError() {
		return nil, diags
	}
	check := &supervise.Check{
		HTTP:     hc.HTTP.ValueString(),
		TCP:      hc.TCP.ValueString(),
		Timeout:  supervise.DefaultHealthTimeout,
		Interval: supervise.DefaultHealthInterval,
	}
	for _, d := range []struct {
		v    types.String
		name string
		dst  *time.Duration
	}{{hc.Timeout, "timeout", &check.Timeout}, {hc.Interval, "interval", &check.Interval}} {
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
	if (check.HTTP == "") == (check.TCP == "") {
		diags.AddAttributeError(path.Root("health_check"), "Invalid health check", "Set exactly one of http and tcp.")
	}
	return check, diags
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
	if pid.IsNull() || start.IsNull() || !supervise.Running(int(pid.ValueInt64()), uint64(start.ValueInt64())) {
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
	if err := supervise.Stop(ctx, int(state.PID.ValueInt64()), uint64(state.ProcStartTime.ValueInt64()), timeout); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("pid"), "Cannot stop service",
			fmt.Sprintf("Stopping process %d: %v", state.PID.ValueInt64(), err))
	}
}
