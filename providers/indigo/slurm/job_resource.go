package slurm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Limits of what goes into state from a job's files.
const (
	stdoutLimit = 64 << 10 // the stdout attribute: the end of the output file
	stderrTail  = 2 << 10  // what a failure message quotes of the error file
)

// cancelTimeout is how long Delete waits for a cancelled job to end.
const cancelTimeout = 2 * time.Minute

// jobResource is indigo_slurm_job.
type jobResource struct {
	site *Site
}

type jobModel struct {
	Name        types.String `tfsdk:"name"`
	Script      types.String `tfsdk:"script"`
	Partition   types.String `tfsdk:"partition"`
	Account     types.String `tfsdk:"account"`
	CPUs        types.Int64  `tfsdk:"cpus"`
	Memory      types.String `tfsdk:"memory"`
	TimeLimit   types.String `tfsdk:"time_limit"`
	WorkDir     types.String `tfsdk:"work_dir"`
	Output      types.String `tfsdk:"output"`
	Error       types.String `tfsdk:"error"`
	Environment types.Map    `tfsdk:"environment"`
	GPUs        types.Int64  `tfsdk:"gpus"`
	Options     types.List   `tfsdk:"sbatch_options"`
	Wait        types.Bool   `tfsdk:"wait"`
	WaitTimeout types.String `tfsdk:"wait_timeout"`
	KeepOutput  types.Bool   `tfsdk:"keep_output"`

	ID         types.String `tfsdk:"id"`
	JobID      types.String `tfsdk:"job_id"`
	State      types.String `tfsdk:"state"`
	ExitCode   types.Int64  `tfsdk:"exit_code"`
	OutputPath types.String `tfsdk:"output_path"`
	ErrorPath  types.String `tfsdk:"error_path"`
	Stdout     types.String `tfsdk:"stdout"`
}

var (
	_ resource.ResourceWithConfigure   = (*jobResource)(nil)
	_ resource.ResourceWithImportState = (*jobResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*jobResource)(nil)
)

// NewJobResource returns indigo_slurm_job.
func NewJobResource() resource.Resource { return &jobResource{} }

func (r *jobResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_slurm_job"
}

var (
	jobNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.+-]{1,128}$`)
	memoryPattern  = regexp.MustCompile(`^[0-9]+[KMGT]?$`)
	timePattern    = regexp.MustCompile(`^([0-9]+-)?[0-9]+(:[0-9]{1,2}){0,2}$`)
)

func (r *jobResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		Description: "A Slurm batch job on the cluster of the provider's slurm block: submitted with sbatch, waited for until it ends " +
			"(by default), its state, exit code and output in state. A job that ends other than COMPLETED fails the apply with the end of its " +
			"standard error. A job cannot change: changing what it runs replaces it (the old one is cancelled if it still runs). Import by job id.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required:      true,
				Description:   "The job's name (sbatch --job-name): letters, digits and _.+-.",
				Validators:    []validator.String{pattern(jobNamePattern, "letters, digits and _.+- (at most 128)")},
				PlanModifiers: replace,
			},
			"script": schema.StringAttribute{
				Required:      true,
				Description:   "The batch script. Without a #! line it runs with /bin/sh. #SBATCH lines in it count, as with sbatch.",
				Validators:    []validator.String{pattern(regexp.MustCompile(`\S`), "a script")},
				PlanModifiers: replace,
			},
			"partition": schema.StringAttribute{
				Optional: true, Computed: true,
				Description:   "The partition (queue). Default: the cluster's default partition.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
			},
			"account": schema.StringAttribute{
				Optional:      true,
				Description:   "The account the job is charged to.",
				PlanModifiers: replace,
			},
			"cpus": schema.Int64Attribute{
				Optional:      true,
				Description:   "CPUs for the job's task (--cpus-per-task).",
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"memory": schema.StringAttribute{
				Optional:      true,
				Description:   `Memory per node (--mem), in MiB or with a K, M, G or T suffix: "512M", "2G".`,
				Validators:    []validator.String{pattern(memoryPattern, `a number of MiB, or one with a K, M, G or T suffix such as "2G"`)},
				PlanModifiers: replace,
			},
			"time_limit": schema.StringAttribute{
				Optional:      true,
				Description:   `The time limit (--time): "minutes", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM" or "D-HH:MM:SS".`,
				Validators:    []validator.String{pattern(timePattern, `a Slurm time such as "30", "1:30:00" or "2-00:00:00"`)},
				PlanModifiers: replace,
			},
			"work_dir": schema.StringAttribute{
				Optional: true, Computed: true,
				Description:   "The job's working directory (--chdir), on the cluster's shared file system; relative paths are under the slurm block's work_dir. Default: that work_dir.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
			},
			"output": schema.StringAttribute{
				Optional: true, Computed: true,
				Description:   `Where the job's standard output goes (--output; %j is the job id, %x its name), relative to work_dir. Default "NAME-%j.out".`,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
			},
			"error": schema.StringAttribute{
				Optional: true, Computed: true,
				Description:   `Where the job's standard error goes (--error). Default "NAME-%j.err".`,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
			},
			"environment": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				Description: "Environment variables of the job, besides PATH, HOME, USER, LANG and Slurm's own. The provider's environment is not passed on. " +
					"Changing it replaces the job, except right after an import: Slurm does not report a job's environment, so the configured one is taken as it.",
			},
			"gpus": schema.Int64Attribute{
				Optional:      true,
				Description:   "GPUs for the job (--gres=gpu:N); 0 or unset asks for none.",
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"sbatch_options": schema.ListAttribute{
				Optional:      true,
				ElementType:   types.StringType,
				Description:   `Further sbatch options, each one argument, e.g. ["--qos=long", "--constraint=avx2"].`,
				Validators:    []validator.List{optionList{}},
				PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
			},
			"wait": schema.BoolAttribute{
				Optional: true, Computed: true,
				Default:     booldefault.StaticBool(true),
				Description: "Wait until the job ends before the apply goes on (default true); false records it once submitted.",
			},
			"wait_timeout": schema.StringAttribute{
				Optional: true, Computed: true,
				Default:     stringdefault.StaticString("1h"),
				Description: `How long to wait (a Go duration such as "30m"); a job still running then fails the apply and stays recorded. Default "1h".`,
				Validators:  []validator.String{duration{}},
			},
			"keep_output": schema.BoolAttribute{
				Optional: true, Computed: true,
				Default:     booldefault.StaticBool(false),
				Description: "Keep the job's output and error files when the job is destroyed (default false: they are removed).",
			},
			"id": schema.StringAttribute{
				Computed: true, Description: "The job id.", PlanModifiers: keep,
			},
			"job_id": schema.StringAttribute{
				Computed: true, Description: "The job id Slurm gave it.", PlanModifiers: keep,
			},
			"state": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				Description: "The job's state as Slurm says it: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, ...",
			},
			"exit_code": schema.Int64Attribute{
				Computed: true, PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
				Description: "The batch script's exit code, once the job has ended (null before).",
			},
			"output_path": schema.StringAttribute{
				Computed: true, Description: "The output file's absolute path.", PlanModifiers: keep,
			},
			"error_path": schema.StringAttribute{
				Computed: true, Description: "The error file's absolute path.", PlanModifiers: keep,
			},
			"stdout": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				Description: "The job's standard output once it has ended (its last 64 KiB), for other components to read.",
			},
		},
	}
}

func (r *jobResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s := siteOf(req.ProviderData); s != nil {
		r.site = s
	}
}

// spec turns a plan into what sbatch is asked for, filling the defaults
// into the plan.
func (r *jobResource) spec(ctx context.Context, m *jobModel) (jobSpec, error) {
	name := m.Name.ValueString()
	wd := r.workDir(m.WorkDir.ValueString())
	if wd == "" {
		return jobSpec{}, errors.New("the job has no work_dir and the provider's slurm block gives none")
	}
	out := m.Output.ValueString()
	if m.Output.IsNull() || m.Output.IsUnknown() || out == "" {
		out = name + "-%j.out"
	}
	errp := m.Error.ValueString()
	if m.Error.IsNull() || m.Error.IsUnknown() || errp == "" {
		errp = name + "-%j.err"
	}
	env := map[string]string{}
	if !m.Environment.IsNull() {
		var em map[string]string
		if d := m.Environment.ElementsAs(ctx, &em, false); d.HasError() {
			return jobSpec{}, errors.New("the environment is not a map of strings")
		}
		env = em
	}
	var extra []string
	if n := m.GPUs.ValueInt64(); n > 0 {
		extra = append(extra, fmt.Sprintf("--gres=gpu:%d", n))
	}
	if !m.Options.IsNull() {
		var opts []string
		if d := m.Options.ElementsAs(ctx, &opts, false); d.HasError() {
			return jobSpec{}, errors.New("sbatch_options is not a list of strings")
		}
		extra = append(extra, opts...)
	}
	if m.WorkDir.IsNull() || m.WorkDir.IsUnknown() || m.WorkDir.ValueString() == "" {
		// As configured when it is; the default, resolved, when not.
		m.WorkDir = types.StringValue(wd)
	}
	m.Output, m.Error = types.StringValue(out), types.StringValue(errp)
	return jobSpec{
		Name: name, Script: m.Script.ValueString(), Partition: m.Partition.ValueString(), Account: m.Account.ValueString(),
		CPUs: m.CPUs.ValueInt64(), Memory: m.Memory.ValueString(), TimeLimit: m.TimeLimit.ValueString(),
		WorkDir: wd, Output: out, Error: errp, Env: env, ExtraFlags: extra,
	}, nil
}

func (r *jobResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m jobModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.site.ready(); err != nil {
		resp.Diagnostics.AddError("Slurm site not configured", err.Error())
		return
	}
	spec, err := r.spec(ctx, &m)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Slurm job", err.Error())
		return
	}
	if err := makeWorkDir(spec.WorkDir); err != nil {
		resp.Diagnostics.AddError("Cannot create the job's working directory", fmt.Sprintf("Job %s on the %s: %v.", spec.Name, r.site.where(), err))
		return
	}
	id, err := r.site.submit(ctx, spec)
	if err != nil {
		resp.Diagnostics.AddError("Slurm job not submitted", r.describe(fmt.Sprintf("submitting job %s", spec.Name), err)+" Nothing was submitted.")
		return
	}
	tflog.Info(ctx, "slurm job submitted", map[string]any{"name": spec.Name, "job_id": id, "site": r.site.Name})
	m.ID, m.JobID = types.StringValue(id), types.StringValue(id)
	m.State, m.ExitCode, m.Stdout = types.StringValue("PENDING"), types.Int64Null(), types.StringNull()
	m.OutputPath = types.StringValue(expandPath(spec.Output, id, spec.Name, spec.WorkDir))
	m.ErrorPath = types.StringValue(expandPath(spec.Error, id, spec.Name, spec.WorkDir))
	if m.Partition.IsUnknown() || m.Partition.IsNull() {
		m.Partition = types.StringValue("")
	}
	// Recorded at once: whatever happens while waiting, the job is in
	// state (a failed create leaves it tainted, to be replaced).
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	info, err := r.site.query(ctx, id)
	if err == nil {
		r.merge(&m, info)
		resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	}
	if !m.Wait.ValueBool() {
		return
	}
	r.waitFor(ctx, &m, resp.State.Set, &resp.Diagnostics)
}

// waitFor waits until the job in m ends and records how it ended; a job
// that did not complete is an error quoting its standard error.
func (r *jobResource) waitFor(ctx context.Context, m *jobModel, set func(context.Context, any) diag.Diagnostics, diags *diag.Diagnostics) {
	limit, _ := time.ParseDuration(m.WaitTimeout.ValueString())
	if limit <= 0 {
		limit = time.Hour
	}
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	id, name := m.JobID.ValueString(), m.Name.ValueString()
	info, err := r.site.wait(wctx, id, func(state string) {
		tflog.Info(ctx, "slurm job "+strings.ToLower(state), map[string]any{"name": name, "job_id": id, "site": r.site.Name})
	})
	switch {
	case err != nil && wctx.Err() != nil && ctx.Err() == nil:
		diags.AddError("Slurm job still running", fmt.Sprintf("Job %s (id %s) on the %s had not ended after wait_timeout %s. It is recorded and still runs; the next apply replaces it (cancelling it). Raise wait_timeout, or set wait = false.", name, id, r.site.where(), limit))
		return
	case err != nil:
		diags.AddError("Lost track of Slurm job", r.describe(fmt.Sprintf("waiting for job %s (id %s)", name, id), err)+" The job is recorded; the next plan reads it again.")
		return
	}
	r.merge(m, info)
	if info.State == "COMPLETED" {
		if out, err := tail(m.OutputPath.ValueString(), stdoutLimit); err == nil {
			m.Stdout = types.StringValue(out)
		} else {
			m.Stdout = types.StringValue("")
			diags.AddWarning("Slurm job output not readable", fmt.Sprintf("Job %s (id %s) completed, but its output %s cannot be read here: %v. stdout is empty.", name, id, m.OutputPath.ValueString(), err))
		}
	}
	diags.Append(set(ctx, m)...)
	if info.State != "COMPLETED" {
		diags.AddError("Slurm job "+strings.ToLower(info.State), r.failure(m, info))
	}
}

// failure says how a job ended, with the end of its standard error.
func (r *jobResource) failure(m *jobModel, info jobInfo) string {
	how := fmt.Sprintf("Job %s (id %s) on the %s ended %s", m.Name.ValueString(), info.ID, r.site.where(), info.State)
	if info.ExitCode != 0 || info.State == "FAILED" {
		how += fmt.Sprintf(" with exit code %d", info.ExitCode)
	}
	if info.Signal != 0 {
		how += fmt.Sprintf(" (signal %d)", info.Signal)
	}
	if info.Reason != "" && info.Reason != "None" {
		how += " (" + info.Reason + ")"
	}
	how += "."
	if e, err := tail(m.ErrorPath.ValueString(), stderrTail); err == nil && strings.TrimSpace(e) != "" {
		how += fmt.Sprintf(" The end of its standard error (%s):\n%s", m.ErrorPath.ValueString(), strings.TrimRight(e, "\n"))
	} else {
		how += fmt.Sprintf(" Its standard error (%s) is empty.", m.ErrorPath.ValueString())
	}
	return how + "\nThe job is recorded as " + info.State + "; the next apply submits it again."
}

// merge copies what the cluster says of a job into m.
func (r *jobResource) merge(m *jobModel, info jobInfo) {
	m.State = types.StringValue(info.State)
	if terminal(info.State) {
		m.ExitCode = types.Int64Value(info.ExitCode)
	} else {
		m.ExitCode = types.Int64Null()
	}
	if info.Partition != "" {
		m.Partition = types.StringValue(info.Partition)
	}
	if info.StdOut != "" {
		m.OutputPath = types.StringValue(info.StdOut)
	}
	if info.StdErr != "" {
		m.ErrorPath = types.StringValue(info.StdErr)
	}
}

// describe turns a command's error into a message naming the site; one
// that could not reach the controller says so and what to do.
func (r *jobResource) describe(doing string, err error) string {
	if errors.Is(err, errControllerDown) {
		return fmt.Sprintf("%s on the %s: its controller (slurmctld) cannot be reached: %v. Start slurmctld, or check SlurmctldHost and SlurmctldPort in the slurm.conf; what indigo recorded is kept.", capitalize(doing), r.site.where(), strings.TrimPrefix(err.Error(), errControllerDown.Error()+": "))
	}
	return fmt.Sprintf("%s on the %s: %v.", capitalize(doing), r.site.where(), err)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// current reads the recorded job and asks the cluster about it; ok is
// false when that could not start (diags say why).
func (r *jobResource) current(ctx context.Context, st tfsdk.State, diags *diag.Diagnostics) (m jobModel, info jobInfo, err error, ok bool) {
	diags.Append(st.Get(ctx, &m)...)
	if diags.HasError() {
		return m, info, nil, false
	}
	if err := r.site.ready(); err != nil {
		diags.AddError("Slurm site not configured", err.Error())
		return m, info, nil, false
	}
	info, err = r.site.query(ctx, m.JobID.ValueString())
	return m, info, err, true
}

func (r *jobResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	m, info, err, ok := r.current(ctx, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	id := m.JobID.ValueString()
	switch {
	case errors.Is(err, errNoJob):
		tflog.Info(ctx, "slurm job gone", map[string]any{"job_id": id, "site": r.site.Name})
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		resp.Diagnostics.AddError("Cannot read Slurm job", r.describe(fmt.Sprintf("reading job %s (id %s)", m.Name.ValueString(), id), err))
		return
	}
	was := m.State.ValueString()
	r.merge(&m, info)
	if m.Name.IsNull() || m.Name.ValueString() == "" {
		// Imported: what the cluster says is all there is.
		m.Name = types.StringValue(info.Name)
		if info.WorkDir != "" {
			m.WorkDir = types.StringValue(info.WorkDir)
		}
		m.Output, m.Error = m.OutputPath, m.ErrorPath
		if m.Account.IsNull() && info.Account != "" {
			m.Account = types.StringValue(info.Account)
		}
		if script := r.site.script(ctx, info); script != "" {
			m.Script = types.StringValue(script)
		}
		m.Wait, m.WaitTimeout, m.KeepOutput = types.BoolValue(true), types.StringValue("1h"), types.BoolValue(false)
	}
	if info.State == "COMPLETED" && (was != "COMPLETED" || m.Stdout.IsNull()) {
		if out, err := tail(m.OutputPath.ValueString(), stdoutLimit); err == nil {
			m.Stdout = types.StringValue(out)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// ModifyPlan replaces a job that did not complete (it failed, was
// cancelled behind indigo's back, or ran out of time): the configuration
// asks for a job that runs to completion.
func (r *jobResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var prior, plan jobModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The environment (see its description): null and empty are the same;
	// after an import it is unknown to Slurm and adopted as configured.
	if !sameEnv(prior.Environment, plan.Environment) {
		adopted, d := req.Private.GetKey(ctx, privateEnvUnknown)
		resp.Diagnostics.Append(d...)
		if string(adopted) != "true" {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("environment"))
		}
	}
	st := prior.State.ValueString()
	if !terminal(st) || st == "COMPLETED" {
		return
	}
	plan.State, plan.ExitCode, plan.Stdout = types.StringUnknown(), types.Int64Unknown(), types.StringUnknown()
	plan.ID, plan.JobID = types.StringUnknown(), types.StringUnknown()
	plan.OutputPath, plan.ErrorPath = types.StringUnknown(), types.StringUnknown()
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	resp.RequiresReplace = append(resp.RequiresReplace, path.Root("state"))
}

// privateEnvUnknown is the private state key saying the job was imported
// and its environment is not known.
const privateEnvUnknown = "environment_unknown"

func sameEnv(a, b types.Map) bool {
	empty := func(m types.Map) bool { return m.IsNull() || !m.IsUnknown() && len(m.Elements()) == 0 }
	if empty(a) && empty(b) {
		return true
	}
	return a.Equal(b)
}

// Update changes only how indigo waits and cleans up (everything else
// replaces the job); turning wait on waits for a job still running.
func (r *jobResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m jobModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	// The environment, if it changed, is now the configured one.
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateEnvUnknown, nil)...)
	if m.Wait.ValueBool() && !terminal(m.State.ValueString()) {
		if err := r.site.ready(); err != nil {
			resp.Diagnostics.AddError("Slurm site not configured", err.Error())
			return
		}
		r.waitFor(ctx, &m, resp.State.Set, &resp.Diagnostics)
	}
}

func (r *jobResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	m, info, err, ok := r.current(ctx, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	id := m.JobID.ValueString()
	switch {
	case errors.Is(err, errNoJob):
	case err != nil:
		resp.Diagnostics.AddError("Slurm job not cancelled", r.describe(fmt.Sprintf("reading job %s (id %s) before cancelling it", m.Name.ValueString(), id), err))
		return
	case !terminal(info.State):
		if err := r.site.cancel(ctx, id, cancelTimeout); err != nil {
			resp.Diagnostics.AddError("Slurm job not cancelled", r.describe(fmt.Sprintf("cancelling job %s (id %s)", m.Name.ValueString(), id), err))
			return
		}
	}
	if !m.KeepOutput.ValueBool() {
		for _, p := range []string{m.OutputPath.ValueString(), m.ErrorPath.ValueString()} {
			if p == "" {
				continue
			}
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				resp.Diagnostics.AddWarning("Slurm job output not removed", fmt.Sprintf("Job %s (id %s): %v.", m.Name.ValueString(), id, err))
			}
		}
		removeWorkDir(r.workDir(m.WorkDir.ValueString()))
	}
}

// workDir resolves a job's work_dir: relative ones are under the slurm
// block's, which is also the default.
func (r *jobResource) workDir(wd string) string {
	switch {
	case wd == "":
		return r.site.WorkDir
	case !filepath.IsAbs(wd):
		return filepath.Join(r.site.WorkDir, wd)
	}
	return wd
}

// workDirMarker marks a working directory indigo created, so that the
// last job using it removes it; one that was there before is left alone.
const workDirMarker = ".indigo-slurm-work-dir"

// makeWorkDir creates a job's working directory when it is missing, with
// the marker.
func makeWorkDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, workDirMarker), []byte("created by indigo for Slurm jobs; removed with the last of them\n"), 0o644)
}

// removeWorkDir removes a working directory indigo created once nothing
// but its marker is left in it (jobs destroyed in parallel may both try).
func removeWorkDir(dir string) {
	if dir == "" {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != workDirMarker {
		return
	}
	_ = os.Remove(filepath.Join(dir, workDirMarker))
	_ = os.Remove(dir)
}

// ImportState takes a job id, or the name of a job indigo submitted: the
// newest of that name the controller knows. The latter is how an
// interrupted create (indigo killed between sbatch and recording the job)
// finds its job again: the planner tries the planned name as import id.
func (r *jobResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	switch {
	case regexp.MustCompile(`^[0-9]+$`).MatchString(id):
	case jobNamePattern.MatchString(id):
		if err := r.site.ready(); err != nil {
			resp.Diagnostics.AddError("Slurm site not configured", err.Error())
			return
		}
		found, err := r.site.byName(ctx, id)
		if errors.Is(err, errNoJob) {
			resp.Diagnostics.AddError("No such Slurm job", fmt.Sprintf("The %s knows no job named %q that indigo submitted. Import a job by its id (a number, as squeue prints it).", r.site.where(), id))
			return
		}
		if err != nil {
			resp.Diagnostics.AddError("Cannot find Slurm job", r.describe(fmt.Sprintf("looking for job %s", id), err))
			return
		}
		id = found
	default:
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("Import a Slurm job by its job id (a number, as squeue prints it), not %q.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("job_id"), id)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateEnvUnknown, []byte("true"))...)
}
