package container

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
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
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/indigo-cloud/indigo/providers/indigo/internal/check"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/supervise"
)

const (
	defaultStartTimeout = "60s"
	defaultStopTimeout  = "10s"
)

// containerResource is indigo_container.
type containerResource struct {
	site site
}

type containerModel struct {
	Name          types.String  `tfsdk:"name"`
	Image         types.String  `tfsdk:"image"`
	Command       types.List    `tfsdk:"command"`
	WorkingDir    types.String  `tfsdk:"working_dir"`
	Env           types.Map     `tfsdk:"env"`
	Port          types.Int64   `tfsdk:"port"`
	Volumes       []volumeModel `tfsdk:"volume"`
	Runtime       types.String  `tfsdk:"runtime"`
	StartTimeout  types.String  `tfsdk:"start_timeout"`
	StopTimeout   types.String  `tfsdk:"stop_timeout"`
	ID            types.String  `tfsdk:"id"`
	ImageDigest   types.String  `tfsdk:"image_digest"`
	Bundle        types.String  `tfsdk:"bundle"`
	LogFile       types.String  `tfsdk:"log_file"`
	PID           types.Int64   `tfsdk:"pid"`
	ProcStartTime types.Int64   `tfsdk:"proc_start_time"`
	StartedAt     types.String  `tfsdk:"started_at"`
	Running       types.Bool    `tfsdk:"running"`
}

type volumeModel struct {
	HostPath      types.String `tfsdk:"host_path"`
	ContainerPath types.String `tfsdk:"container_path"`
}

var (
	_ resource.ResourceWithConfigure   = (*containerResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*containerResource)(nil)
	_ resource.ResourceWithImportState = (*containerResource)(nil)
)

// NewResource returns indigo_container, for the provider's Resources list.
func NewResource() resource.Resource { return &containerResource{} }

func (r *containerResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_container"
}

func (r *containerResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	keepInt := []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		Description: "An OCI image run on this machine without root (skopeo, umoci, and proot or bubblewrap), " +
			"as a detached process that outlives indigo. A dead process or a moved image tag is drift. " +
			"Any change but the timeouts replaces it.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required:      true,
				Description:   "The container's name, unique under the provider's root: its directory is containers/NAME. Also its import id.",
				Validators:    []validator.String{validName},
				PlanModifiers: replace,
			},
			"image": schema.StringAttribute{
				Required: true,
				Description: "The image: oci:DIR:TAG (an OCI image layout), oci-archive:FILE:TAG, or docker://REGISTRY/NAME:TAG " +
					"(a bare NAME:TAG is read as docker://). Relative paths resolve under the provider's root.",
				Validators:    []validator.String{validImage},
				PlanModifiers: replace,
			},
			"command": schema.ListAttribute{
				ElementType:   types.StringType,
				Optional:      true,
				Description:   "The program and its arguments, looked up in the container's PATH. Default: the image's entrypoint and command.",
				Validators:    []validator.List{check.Command{}},
				PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
			},
			"working_dir": schema.StringAttribute{
				Optional:      true,
				Description:   "The working directory inside the container. Default: the image's.",
				Validators:    []validator.String{validGuestPath},
				PlanModifiers: replace,
			},
			"env": schema.MapAttribute{
				ElementType:   types.StringType,
				Optional:      true,
				Description:   "Environment variables, on top of the image's. The host's environment is not passed in.",
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"port": schema.Int64Attribute{
				Optional: true,
				Description: "The TCP port the container listens on (it shares the host's network). Passed as PORT in its environment; " +
					"create waits until 127.0.0.1:port accepts connections.",
				Validators:    []validator.Int64{check.Port{}},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"runtime": schema.StringAttribute{
				Optional:      true,
				Computed:      true,
				Description:   `"proot" or "bwrap" (bubblewrap). Default: bwrap when it works on this machine, else proot.`,
				Validators:    []validator.String{validRuntime},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"start_timeout": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Default:     stringdefault.StaticString(defaultStartTimeout),
				Description: `How long create waits for the port to answer (image pull and unpack not counted). Default "60s". Changed in place.`,
				Validators:  []validator.String{validDuration},
			},
			"stop_timeout": schema.StringAttribute{
				Optional:    true,
				Computed:    true,
				Default:     stringdefault.StaticString(defaultStopTimeout),
				Description: `How long delete waits after SIGTERM before SIGKILL. Default "10s". Changed in place.`,
				Validators:  []validator.String{validDuration},
			},
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "The name.",
				PlanModifiers: keep,
			},
			"image_digest": schema.StringAttribute{
				Computed: true,
				Description: "The manifest digest of the image the container runs. Each plan looks up what the image reference points at now; " +
					"a different digest replaces the container.",
			},
			"bundle": schema.StringAttribute{
				Computed:      true,
				Description:   "The container's directory (containers/NAME under the root): its record, log and unpacked bundle.",
				PlanModifiers: keep,
			},
			"log_file": schema.StringAttribute{
				Computed:      true,
				Description:   "Where the container's stdout and stderr go: container.log in its directory.",
				PlanModifiers: keep,
			},
			"pid": schema.Int64Attribute{
				Computed:      true,
				Description:   "The process id of the runtime (proot or bwrap), which is also the container's process group id.",
				PlanModifiers: keepInt,
			},
			"proc_start_time": schema.Int64Attribute{
				Computed:      true,
				Description:   "The process start time in clock ticks after boot: tells the container from a later process that reuses its pid.",
				PlanModifiers: keepInt,
			},
			"started_at": schema.StringAttribute{
				Computed:      true,
				Description:   "When the process was started (RFC 3339).",
				PlanModifiers: keep,
			},
			"running": schema.BoolAttribute{
				Computed:    true,
				Description: "Whether the process runs. Read sets it false when the process died or the root file system is gone; the plan then starts it again.",
			},
		},
		Blocks: map[string]schema.Block{
			"volume": schema.ListNestedBlock{
				Description: "A host directory bound into the container (read-write).",
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"host_path": schema.StringAttribute{
						Required:      true,
						Description:   "The host directory; relative paths resolve under the provider's root. Must exist.",
						PlanModifiers: replace,
					},
					"container_path": schema.StringAttribute{
						Required:      true,
						Description:   "Where it appears inside the container (an absolute path).",
						Validators:    []validator.String{validGuestPath},
						PlanModifiers: replace,
					},
				}},
				PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
			},
		},
	}
}

func (r *containerResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if s := siteOf(req.ProviderData); s != nil {
		r.site = s
	}
}

// cache returns the image cache of the provider's root.
func (r *containerResource) cache() (cache, error) {
	if r.site == nil {
		return cache{}, errNotConfigured
	}
	root, err := r.site.ResolvePath(".")
	if err != nil {
		return cache{}, err
	}
	return cache{root: root}, nil
}

// ModifyPlan shows what is known before apply: the directory, the runtime,
// and the digest the image reference points at now. A digest that differs
// from the one the container runs replaces it; a container that is not
// running is planned to run (an update that starts it).
func (r *containerResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.site == nil {
		return
	}
	var plan containerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var prior *containerModel
	if !req.State.Raw.IsNull() {
		prior = &containerModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	c, err := r.cache()
	if err == nil && !plan.Name.IsUnknown() {
		dir := c.bundleDir(plan.Name.ValueString())
		plan.ID = plan.Name
		plan.Bundle = types.StringValue(dir)
		plan.LogFile = types.StringValue(filepath.Join(dir, "container.log"))
	}
	if plan.Runtime.IsUnknown() {
		plan.Runtime = types.StringValue(defaultRuntime())
	}
	plan.ImageDigest = types.StringUnknown()
	if !plan.Image.IsUnknown() {
		digest, err := r.lookUp(ctx, plan.Image.ValueString())
		switch {
		case err == nil:
			plan.ImageDigest = types.StringValue(digest)
		case prior != nil:
			resp.Diagnostics.AddAttributeWarning(path.Root("image"), "Cannot check the image",
				fmt.Sprintf("Whether %s still points at the image the container runs cannot be checked: %v", plan.Image.ValueString(), err))
			plan.ImageDigest = prior.ImageDigest
		}
		// On a create, a failed look-up is left to the apply, which
		// reports it where the image is pulled.
	}
	if prior != nil && !prior.ImageDigest.Equal(plan.ImageDigest) && !plan.ImageDigest.IsUnknown() {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("image_digest"))
	}
	if prior == nil || !prior.Running.ValueBool() {
		plan.Running = types.BoolValue(true)
		plan.PID = types.Int64Unknown()
		plan.ProcStartTime = types.Int64Unknown()
		plan.StartedAt = types.StringUnknown()
	} else {
		plan.Running = prior.Running
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// lookUp resolves an image reference to its current manifest digest.
func (r *containerResource) lookUp(ctx context.Context, image string) (string, error) {
	ref, err := parseImage(image)
	if err != nil {
		return "", err
	}
	s, err := ref.skopeoRef(r.site)
	if err != nil {
		return "", err
	}
	return resolveDigest(ctx, s)
}

// Create pulls the image (once per digest under the root), unpacks it into
// the container's directory, starts it and waits until its port answers.
// A container that fails to start leaves nothing: its process group is
// stopped, its directory removed, and its image released from the cache.
func (r *containerResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan containerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	c, rec := r.prepare(ctx, &plan, "create", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	dir := c.bundleDir(rec.Name)
	if err := r.site.PrepareWrite(dir); err != nil {
		resp.Diagnostics.AddError("Site root not writable", err.Error())
		return
	}
	if err := c.makeBundleDir(dir, true); err != nil {
		if errors.Is(err, fs.ErrExist) {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Container exists",
				fmt.Sprintf("%s exists already: another indigo_container of this root has the name %q, or it was made outside this state. "+
					"Choose another name, import it (its import id is the name), or remove the directory.", dir, rec.Name))
			return
		}
		resp.Diagnostics.AddError("Cannot create the container's directory", err.Error())
		return
	}
	// From here the directory is ours: the record names it, so a crash
	// leaves something an import (by name) finds.
	if err := rec.write(dir); err != nil {
		removeTree(dir)
		resp.Diagnostics.AddError("Cannot record the container", err.Error())
		return
	}
	if err := r.start(ctx, c, rec, &plan); err != nil {
		if cerr := r.cleanUp(ctx, c, dir, rec); cerr != nil {
			err = fmt.Errorf("%w\n\nCleaning up failed too: %v", err, cerr)
		}
		resp.Diagnostics.AddAttributeError(path.Root("image"), "Container failed to start", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// start pulls and unpacks what is missing, starts the process, waits for
// its port, and fills plan's computed attributes. The record is rewritten
// as soon as the digest and then the pid are known.
func (r *containerResource) start(ctx context.Context, c cache, rec *record, plan *containerModel) error {
	dir := c.bundleDir(rec.Name)
	image, _ := parseImage(rec.Image)
	ref, err := image.skopeoRef(r.site)
	if err != nil {
		return err
	}
	digest := plan.ImageDigest.ValueString()
	if plan.ImageDigest.IsUnknown() || digest == "" {
		if digest, err = resolveDigest(ctx, ref); err != nil {
			return fmt.Errorf("looking up %s: %w", rec.Image, err)
		}
	}
	if err := r.pull(ctx, c, rec, ref, digest); err != nil {
		return err
	}
	bundle := filepath.Join(dir, "bundle")
	if _, err := os.Stat(rootfsOf(dir)); err != nil {
		if err := c.unpack(ctx, digest, dir); err != nil {
			return fmt.Errorf("unpacking %s: %w", rec.Image, err)
		}
	}
	img, err := readImageProcess(bundle)
	if err != nil {
		return fmt.Errorf("reading the image's configuration: %w", err)
	}
	args := rec.Command
	if len(args) == 0 {
		args = img.Args
	}
	if len(args) == 0 {
		return errors.New("the image names no command (entrypoint or cmd) and command is not set")
	}
	cwd := img.Cwd
	if rec.WorkingDir != nil {
		cwd = *rec.WorkingDir
	}
	if cwd == "" {
		cwd = "/"
	}
	vols := make([]volume, len(rec.Volumes))
	for i, v := range rec.Volumes {
		hp, err := r.site.ResolvePath(v.HostPath)
		if err != nil {
			return fmt.Errorf("volume %d: %w", i, err)
		}
		if info, err := os.Stat(hp); err != nil || !info.IsDir() {
			return fmt.Errorf("volume %d: %s is not an existing directory; create it first (an indigo_directory resource can)", i, hp)
		}
		vols[i] = volume{HostPath: hp, ContainerPath: v.ContainerPath}
	}
	cmdline, err := argv(rec.Runtime, rootfsOf(dir), cwd, vols, args)
	if err != nil {
		return err
	}
	env := map[string]string{}
	for _, kv := range img.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	for k, v := range rec.Env {
		env[k] = v
	}
	if rec.Port != nil {
		env["PORT"] = strconv.FormatInt(*rec.Port, 10)
	}
	if _, ok := env["PATH"]; !ok {
		env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	logPath := filepath.Join(dir, "container.log")
	startedAt := time.Now().UTC()
	proc, err := supervise.Start(supervise.Spec{Argv: cmdline, Dir: dir, Env: supervise.Env(nil, env), LogPath: logPath})
	if err != nil {
		return fmt.Errorf("starting %s: %w", cmdline[0], err)
	}
	rec.PID, rec.StartTicks, rec.StartedAt = proc.PID, proc.StartTicks, startedAt.Format(time.RFC3339Nano)
	if err := rec.write(dir); err != nil {
		stopErr := proc.Abort(ctx, 5*time.Second)
		return errors.Join(err, stopErr)
	}
	var check *supervise.Check
	if rec.Port != nil {
		check = supervise.TCPCheck(*rec.Port)
		check.Timeout, _ = time.ParseDuration(rec.StartTimeout)
	}
	if err := supervise.AwaitHealthy(ctx, proc, check); err != nil {
		stopErr := proc.Abort(ctx, 5*time.Second)
		detail := "The container " + err.Error() + "."
		if errors.Is(err, supervise.ErrExited) {
			detail = fmt.Sprintf("The container exited during startup (%s).", proc.ExitStatus())
		}
		if stopErr != nil {
			detail += fmt.Sprintf("\n\nStopping it failed too: %v", stopErr)
		}
		return errors.New(detail + supervise.LogTail(logPath))
	}
	proc.Release()

	plan.ID = types.StringValue(rec.Name)
	plan.ImageDigest = types.StringValue(digest)
	plan.Bundle = types.StringValue(dir)
	plan.LogFile = types.StringValue(logPath)
	plan.Runtime = types.StringValue(rec.Runtime)
	plan.PID = types.Int64Value(int64(proc.PID))
	plan.ProcStartTime = types.Int64Value(int64(proc.StartTicks))
	plan.StartedAt = types.StringValue(rec.StartedAt)
	plan.Running = types.BoolValue(true)
	return nil
}

// pull puts the image in the cache and records the container's use of it,
// both under the cache's lock, so a delete of another container never
// removes an image this one is about to unpack.
func (r *containerResource) pull(ctx context.Context, c cache, rec *record, ref, digest string) error {
	unlock, err := c.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if err := c.pull(ctx, ref, digest); err != nil {
		return fmt.Errorf("pulling %s: %w", rec.Image, err)
	}
	rec.Digest = digest
	return rec.write(c.bundleDir(rec.Name))
}

// cleanUp removes what a failed or deleted container leaves: its directory
// and, when no other container uses it, its cached image. Its record goes
// first (the image is no longer this container's), then release removes
// the image and the directory in the order a kill at any step leaves for
// the next delete to finish.
func (r *containerResource) cleanUp(_ context.Context, c cache, dir string, rec *record) error {
	digest := ""
	if rec != nil {
		digest = rec.Digest
	}
	if err := os.Remove(filepath.Join(dir, recordName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return c.release(digest, dir)
}

// prepare finds the image cache and turns the planned configuration into
// a record, for Create and Update (op names the operation in errors). It
// does nothing when diags already has an error.
func (r *containerResource) prepare(ctx context.Context, plan *containerModel, op string, diags *diag.Diagnostics) (cache, *record) {
	if diags.HasError() {
		return cache{}, nil
	}
	c, err := r.cache()
	if err != nil {
		diags.AddError("Cannot "+op+" the container", err.Error())
		return c, nil
	}
	rec, d := r.recordOf(ctx, plan)
	diags.Append(d...)
	return c, rec
}

// recordOf turns the planned configuration into a record.
func (r *containerResource) recordOf(ctx context.Context, m *containerModel) (*record, diag.Diagnostics) {
	var diags diag.Diagnostics
	rec := &record{
		Name:         m.Name.ValueString(),
		Image:        m.Image.ValueString(),
		Runtime:      m.Runtime.ValueString(),
		StartTimeout: m.StartTimeout.ValueString(),
		StopTimeout:  m.StopTimeout.ValueString(),
	}
	if rec.Runtime == "" {
		rec.Runtime = defaultRuntime()
		m.Runtime = types.StringValue(rec.Runtime)
	}
	if !m.Command.IsNull() {
		diags.Append(m.Command.ElementsAs(ctx, &rec.Command, false)...)
	}
	if !m.WorkingDir.IsNull() {
		wd := m.WorkingDir.ValueString()
		rec.WorkingDir = &wd
	}
	if !m.Env.IsNull() {
		diags.Append(m.Env.ElementsAs(ctx, &rec.Env, false)...)
		for k := range rec.Env {
			if k == "" || strings.ContainsAny(k, "=\x00") {
				diags.AddAttributeError(path.Root("env").AtMapKey(k), "Invalid environment variable name",
					fmt.Sprintf("%q cannot be an environment variable name.", k))
			}
		}
	}
	if !m.Port.IsNull() {
		p := m.Port.ValueInt64()
		rec.Port = &p
	}
	for _, v := range m.Volumes {
		rec.Volumes = append(rec.Volumes, volume{HostPath: v.HostPath.ValueString(), ContainerPath: v.ContainerPath.ValueString()})
	}
	return rec, diags
}

// dirOf returns the directory of the recorded container m, for Read and
// Delete (op names the operation in errors). It does nothing when diags
// already has an error.
func (r *containerResource) dirOf(m *containerModel, op string, diags *diag.Diagnostics) string {
	if diags.HasError() {
		return ""
	}
	c, err := r.cache()
	if err != nil {
		diags.AddError("Cannot "+op+" the container", err.Error())
		return ""
	}
	return c.bundleDir(m.Name.ValueString())
}

// Read reports what containers/<name> holds: the record's digest and
// process, and whether that process still runs (same pid and start time)
// with its root file system in place. A container whose directory is gone
// no longer exists. After an import (no prior configuration), the
// configuration comes from the record too.
func (r *containerResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m containerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	dir := r.dirOf(&m, "read", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if m.PID.IsNull() || m.ProcStartTime.IsNull() || !supervise.Running(int(m.PID.ValueInt64()), uint64(m.ProcStartTime.ValueInt64())) {
			resp.State.RemoveResource(ctx)
			return
		}
		// The directory was removed under a running container: it stays
		// recorded, not running, so the apply stops what is left and
		// starts it afresh.
		m.Running = types.BoolValue(false)
		resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
		return
	}
	rec, err := readRecord(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		resp.Diagnostics.AddError("Cannot read the container's record", err.Error())
		return
	}
	imported := m.Image.IsNull()
	if rec != nil {
		if imported {
			resp.Diagnostics.Append(fromRecord(ctx, rec, &m)...)
		}
		if rec.Digest != "" {
			m.ImageDigest = types.StringValue(rec.Digest)
		}
		if rec.PID != 0 {
			m.PID = types.Int64Value(int64(rec.PID))
			m.ProcStartTime = types.Int64Value(int64(rec.StartTicks))
			m.StartedAt = types.StringValue(rec.StartedAt)
		}
	}
	m.ID = m.Name
	m.Bundle = types.StringValue(dir)
	m.LogFile = types.StringValue(filepath.Join(dir, "container.log"))
	alive := !m.PID.IsNull() && !m.ProcStartTime.IsNull() &&
		supervise.Running(int(m.PID.ValueInt64()), uint64(m.ProcStartTime.ValueInt64()))
	if !alive {
		// A start cut short between starting the process and recording
		// its pid: the process runs this container's root file system.
		if found := runtimeProcesses(rootfsOf(dir)); len(found) == 1 {
			m.PID = types.Int64Value(int64(found[0].pid))
			m.ProcStartTime = types.Int64Value(int64(found[0].ticks))
			alive = true
		}
	}
	if _, err := os.Stat(rootfsOf(dir)); err != nil {
		alive = false
	}
	m.Running = types.BoolValue(alive)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// fromRecord fills the configuration of an imported container.
func fromRecord(ctx context.Context, rec *record, m *containerModel) diag.Diagnostics {
	var diags diag.Diagnostics
	m.Image = types.StringValue(rec.Image)
	if rec.Runtime != "" {
		m.Runtime = types.StringValue(rec.Runtime)
	}
	m.StartTimeout = types.StringValue(orDefault(rec.StartTimeout, defaultStartTimeout))
	m.StopTimeout = types.StringValue(orDefault(rec.StopTimeout, defaultStopTimeout))
	m.Command = types.ListNull(types.StringType)
	if rec.Command != nil {
		var d diag.Diagnostics
		m.Command, d = types.ListValueFrom(ctx, types.StringType, rec.Command)
		diags.Append(d...)
	}
	m.WorkingDir = types.StringNull()
	if rec.WorkingDir != nil {
		m.WorkingDir = types.StringValue(*rec.WorkingDir)
	}
	m.Env = types.MapNull(types.StringType)
	if rec.Env != nil {
		var d diag.Diagnostics
		m.Env, d = types.MapValueFrom(ctx, types.StringType, rec.Env)
		diags.Append(d...)
	}
	m.Port = types.Int64Null()
	if rec.Port != nil {
		m.Port = types.Int64Value(*rec.Port)
	}
	m.Volumes = nil
	for _, v := range rec.Volumes {
		m.Volumes = append(m.Volumes, volumeModel{HostPath: types.StringValue(v.HostPath), ContainerPath: types.StringValue(v.ContainerPath)})
	}
	return diags
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Update starts a container that is not running (its process died, or its
// start was cut short), reusing its unpacked bundle when it is complete;
// otherwise only the timeouts changed, which are recorded.
func (r *containerResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior containerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	c, rec := r.prepare(ctx, &plan, "update", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	dir := c.bundleDir(rec.Name)
	if old, err := readRecord(dir); err == nil {
		rec.Digest, rec.PID, rec.StartTicks, rec.StartedAt = old.Digest, old.PID, old.StartTicks, old.StartedAt
	}
	if prior.Running.ValueBool() {
		if err := rec.write(dir); err != nil {
			resp.Diagnostics.AddError("Cannot record the container", err.Error())
			return
		}
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	// What is left of the last run (a process whose root file system was
	// removed under it) is stopped first.
	if err := stopAll(ctx, dir, &prior, rec, r.stopTimeout(rec.StopTimeout)); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("pid"), "Cannot stop the container's old process", err.Error())
		return
	}
	if err := c.makeBundleDir(dir, false); err != nil {
		resp.Diagnostics.AddError("Cannot create the container's directory", err.Error())
		return
	}
	if err := rec.write(dir); err != nil {
		resp.Diagnostics.AddError("Cannot record the container", err.Error())
		return
	}
	if err := r.start(ctx, c, rec, &plan); err != nil {
		// The container stays recorded (not running); the next plan
		// tries again, and a destroy removes it.
		resp.Diagnostics.AddAttributeError(path.Root("running"), "Container failed to start again", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *containerResource) stopTimeout(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		d, _ = time.ParseDuration(defaultStopTimeout)
	}
	return d
}

// Delete stops the container's process group, removes its directory and
// releases its image from the cache.
func (r *containerResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m containerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	dir := r.dirOf(&m, "delete", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	c, _ := r.cache()
	rec, _ := readRecord(dir)
	if err := stopAll(ctx, dir, &m, rec, r.stopTimeout(m.StopTimeout.ValueString())); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("pid"), "Cannot stop the container", err.Error())
		return
	}
	if rec == nil {
		rec = &record{Digest: m.ImageDigest.ValueString()}
	}
	if err := r.cleanUp(ctx, c, dir, rec); err != nil {
		resp.Diagnostics.AddError("Cannot remove the container", err.Error())
	}
}

// stopAll stops the process the state records and the one the record
// names (they differ when a restart was cut short), each only if it is
// still the process that was started.
func stopAll(ctx context.Context, dir string, m *containerModel, rec *record, timeout time.Duration) error {
	if !m.PID.IsNull() && !m.ProcStartTime.IsNull() {
		pid := int(m.PID.ValueInt64())
		if err := supervise.Stop(ctx, pid, uint64(m.ProcStartTime.ValueInt64()), timeout); err != nil {
			return fmt.Errorf("stopping process %d: %w", pid, err)
		}
	}
	if rec != nil && rec.PID != 0 {
		if err := supervise.Stop(ctx, rec.PID, rec.StartTicks, timeout); err != nil {
			return fmt.Errorf("stopping process %d: %w", rec.PID, err)
		}
	}
	// And any process that runs the container's root file system without
	// being recorded (its start was cut short before the pid was).
	for _, p := range runtimeProcesses(rootfsOf(dir)) {
		if err := supervise.Stop(ctx, p.pid, p.ticks, timeout); err != nil {
			return fmt.Errorf("stopping process %d: %w", p.pid, err)
		}
	}
	return nil
}

// rootfsOf is the root file system of the container whose directory is dir.
func rootfsOf(dir string) string { return filepath.Join(dir, "bundle", "rootfs") }

// ImportState adopts a container by its name; Read fills the rest from its
// record.
func (r *containerResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !nameRE.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Import an indigo_container by its name (the directory containers/NAME under the provider's root); %q is not one.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}
